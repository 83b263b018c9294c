"""Issuing many credits at once: the batch credit path's side of the ledger, a few statements for any number.

It writes exactly the rows ``Ledger.issue`` writes one at a time (transfer, idempotency record, expiry lot,
both balances), for keys the caller guarantees are fresh: they name actions created in the same transaction,
so no earlier request can hold them. Transfer ids are reserved up front so lots and idempotency records can
name them; balances are updated with one statement (on PostgreSQL after locking the accounts in ascending id
order, as every ledger writer locks them). Both dialects, through ``service.db.bulk``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.base import table
from service.db.bulk import bulk_for
from service.ledger.models import Account, AccountKind, IdempotencyRecord, Lot, Transfer
from service.ledger.service import Ledger, TransferRequest, validate_amount_and_key
from service.settings import LedgerSettings


@dataclass(frozen=True)
class Credit:
    resident_id: int
    amount: int
    idempotency_key: str
    reference: str | None = None


async def issue_many(
    session: AsyncSession, settings: LedgerSettings, zone: ZoneInfo, credits: list[Credit], now: dt.datetime
) -> list[int]:
    """Issue every credit to its resident's wallet; the new transfer ids, in the order of ``credits``."""
    if not credits:
        return []
    for credit in credits:
        validate_amount_and_key(credit.amount, credit.idempotency_key)
    wallets = await ensure_accounts(
        session, {f"wallet:{c.resident_id}": (AccountKind.WALLET, c.resident_id) for c in credits}
    )
    wallet_of = {c.resident_id: wallets[f"wallet:{c.resident_id}"] for c in credits}
    shards = {wallet % settings.issuance_shards for wallet in wallet_of.values()}
    sources = await ensure_accounts(session, {f"issuance:{s}": (AccountKind.ISSUANCE, None) for s in shards})
    bulk = bulk_for(session)
    ids = await bulk.next_ids(table(Transfer), len(credits))
    expires_at = Ledger(session, settings, zone).lot_expiry(now)
    transfers, records, lots = [], [], []
    deltas: dict[int, int] = defaultdict(int)
    for transfer_id, credit in zip(ids, credits, strict=True):
        wallet = wallet_of[credit.resident_id]
        source = sources[f"issuance:{wallet % settings.issuance_shards}"]
        request = TransferRequest(
            source, wallet, credit.amount, "credit", credit.idempotency_key, credit.reference
        )
        transfers.append(_transfer_row(transfer_id, request, now))
        records.append(
            {
                "key": credit.idempotency_key,
                "fingerprint": request.fingerprint("transfer"),
                "operation": "transfer",
                "transfer_id": transfer_id,
                "hold_id": None,
                "created_at": now,
            }
        )
        lots.append(
            {
                "account_id": wallet,
                "transfer_id": transfer_id,
                "amount": credit.amount,
                "remaining": credit.amount,
                "held": 0,
                "expires_at": expires_at,
                "created_at": now,
            }
        )
        deltas[wallet] += credit.amount
        deltas[source] -= credit.amount
    await bulk.insert(table(Transfer), transfers)
    await bulk.insert(table(IdempotencyRecord), records)
    await bulk.insert(table(Lot), lots)
    await apply_deltas(session, deltas)
    return ids


async def ensure_accounts(session: AsyncSession, wanted: dict[str, tuple[str, int | None]]) -> dict[str, int]:
    """Account ids by code, creating the missing ones (``wanted``: code -> (kind, owner id))."""
    codes = sorted(wanted)
    found = await _account_ids(session, codes)
    missing = [code for code in codes if code not in found]
    if missing:
        now = dt.datetime.now(dt.UTC)
        rows: list[dict[str, object]] = [
            {
                "kind": wanted[c][0],
                "code": c,
                "owner_id": wanted[c][1],
                "balance": 0,
                "held": 0,
                "created_at": now,
            }
            for c in missing
        ]
        await bulk_for(session).insert(table(Account), rows, on_conflict="ON CONFLICT (code) DO NOTHING")
        found |= await _account_ids(session, missing)
    return found


async def apply_deltas(session: AsyncSession, deltas: dict[int, int]) -> None:
    """Add each delta to its account's balance, in one statement (accounts locked in ascending id order)."""
    await bulk_for(session).add_to(table(Account).c.balance, deltas)


async def _account_ids(session: AsyncSession, codes: list[str]) -> dict[str, int]:
    rows = await session.execute(
        sa.select(Account.code, Account.id).where(bulk_for(session).one_of(Account.code, codes))
    )
    return dict(rows.all())


def _transfer_row(transfer_id: int, request: TransferRequest, now: dt.datetime) -> dict[str, object]:
    return {
        "id": transfer_id,
        "debit_account_id": request.debit_account_id,
        "credit_account_id": request.credit_account_id,
        "amount": request.amount,
        "kind": request.kind,
        "reference": request.reference,
        "idempotency_key": request.idempotency_key,
        "reverses_id": None,
        "hold_id": None,
        "created_at": now,
    }
