"""Pay-codes and charges: a resident shows a single-use code, the merchant takes coins with it at once.

A code is stored only as its SHA-256 and is spent by the first charge that locks it. A charge is
idempotent per (merchant, idempotency key): a retry returns the first charge; the same key with another
code or amount is a conflict. Refused charges (unknown, used or expired code, too few coins) change nothing:
the request's transaction rolls back, so a code refused for lack of coins can still be used.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.dialect import dialect_for
from service.db.sql import lock_keys
from service.errors import Invalid, NotFound
from service.identity.service import active_resident
from service.identity.tokens import hash_token
from service.ledger.service import MAX_AMOUNT, MAX_KEY_LENGTH, Ledger, TransferRequest
from service.merchants import fast
from service.merchants.models import Charge, PayCode
from service.merchants.offers import existing_merchant
from service.merchants.refusals import refusal
from service.settings import Settings

PREFIX = "pc_"


@dataclass(frozen=True)
class IssuedPayCode:
    code: str
    expires_at: dt.datetime


async def issue_paycode(
    session: AsyncSession, settings: Settings, resident_id: int, now: dt.datetime
) -> IssuedPayCode:
    await active_resident(session, resident_id)
    code = PREFIX + secrets.token_urlsafe(18)
    expires_at = now + dt.timedelta(seconds=settings.redeem.paycode_ttl_seconds)
    session.add(
        PayCode(code_hash=hash_token(code), resident_id=resident_id, expires_at=expires_at, created_at=now)
    )
    await session.flush()
    return IssuedPayCode(code, expires_at)


async def charge(
    session: AsyncSession,
    settings: Settings,
    merchant_id: int,
    paycode: str,
    amount: int,
    idempotency_key: str,
    now: dt.datetime,
) -> tuple[Charge, bool]:
    """The charge (new, or the first one under this key) and whether this call made it."""
    _validate(amount, idempotency_key)
    code_hash = hash_token(paycode)
    if settings.redeem.database_functions and dialect_for(session).redemption_functions:
        shards = settings.ledger.merchant_shards
        return await fast.charge(session, merchant_id, code_hash, amount, idempotency_key, shards, now)
    await existing_merchant(session, merchant_id)
    await lock_keys(session, [f"charge:{merchant_id}:{idempotency_key}"])
    existing = await session.scalar(
        sa.select(Charge).where(Charge.merchant_id == merchant_id, Charge.idempotency_key == idempotency_key)
    )
    if existing is not None:
        if (existing.paycode_hash, existing.amount) != (code_hash, amount):
            raise refusal("idempotency_conflict")
        return existing, False
    code = await _spend(session, code_hash, now)
    ledger = Ledger(session, settings.ledger, settings.zone, clock=lambda: now)
    wallet = await ledger.wallet(code.resident_id)
    till = await ledger.till(merchant_id, wallet)
    transfer = await ledger.transfer(
        TransferRequest(
            wallet.id, till.id, amount, "charge", f"charge:{merchant_id}:{idempotency_key}", "paycode"
        )
    )
    row = Charge(
        merchant_id=merchant_id,
        resident_id=code.resident_id,
        amount=amount,
        idempotency_key=idempotency_key,
        paycode_hash=code_hash,
        transfer_id=transfer.id,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row, True


async def refund(
    session: AsyncSession, settings: Settings, merchant_id: int, charge_id: int, now: dt.datetime
) -> int:
    """Give a charge's coins back (once); the reversal's transfer id."""
    row = await session.get(Charge, charge_id)
    if row is None or row.merchant_id != merchant_id:
        raise NotFound(f"charge {charge_id} does not exist", code="charge_not_found")
    ledger = Ledger(session, settings.ledger, settings.zone, clock=lambda: now)
    reversal = await ledger.reverse(row.transfer_id, reference=f"refund of charge {charge_id}")
    return reversal.id


async def _spend(session: AsyncSession, code_hash: str, now: dt.datetime) -> PayCode:
    # Locked: of two charges racing with one code, the second waits and then finds it used.
    code = await session.get(PayCode, code_hash, with_for_update=True, populate_existing=True)
    if code is None:
        raise refusal("paycode_unknown")
    if code.used_at is not None:
        raise refusal("paycode_used")
    if code.expires_at <= now:
        raise refusal("paycode_expired")
    code.used_at = now
    await session.flush()
    return code


def _validate(amount: object, key: object) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        raise Invalid(f"amount must be a whole number of coins, 1 to {MAX_AMOUNT}", code="invalid_amount")
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH - 40:
        raise Invalid("idempotency_key must be 1 to 160 characters", code="invalid_idempotency_key")
