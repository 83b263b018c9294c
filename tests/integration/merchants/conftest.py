"""Merchant fixtures: merchants, residents with coins, approved offers, and the numbers tests check."""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa

from service.db.base import utcnow
from service.identity.repository import IdentityRepository
from service.identity.tokens import hash_token
from service.ledger.models import Account
from service.ledger.service import Credit, Ledger
from service.merchants.models import Merchant, Offer
from service.settings import Settings


async def new_merchant(session, name: str = "Tea House") -> int:  # type: ignore[no-untyped-def]
    merchant = Merchant(name=name, api_key_hash=hash_token("mk_" + secrets.token_hex(8)), created_at=utcnow())
    session.add(merchant)
    await session.flush()
    return merchant.id


async def funded_resident(session, settings: Settings, coins: int, tag: str = "r") -> int:  # type: ignore[no-untyped-def]
    resident = await IdentityRepository(session).ensure_resident_by_phone_hash(
        f"{tag}-{secrets.token_hex(6)}", utcnow()
    )
    if coins:
        ledger = Ledger(session, settings.ledger, settings.zone)
        await ledger.issue([Credit(resident.id, coins, f"fund:{resident.id}")])
    return resident.id


async def approved_offer(  # type: ignore[no-untyped-def]
    session, merchant_id: int, *, price: int = 10, stock: int = 5, limit: int = 1, hours: int = 24
) -> int:
    now = utcnow()
    offer = Offer(
        merchant_id=merchant_id,
        title="Oolong tea",
        description="",
        price=price,
        stock_total=stock,
        stock_left=stock,
        per_resident_limit=limit,
        valid_from=now - dt.timedelta(hours=1),
        valid_until=now + dt.timedelta(hours=hours),
        active=True,
        approved_at=now,
        approved_by="test",
        created_at=now,
        updated_at=now,
    )
    session.add(offer)
    await session.flush()
    return offer.id


async def balance(session, code: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(balance, held) of the account ``code`` (zeros if it does not exist yet); for ``merchant:<id>``
    the sum over the merchant's shard accounts."""
    if code.startswith("merchant:"):
        where = sa.and_(Account.kind == "merchant", Account.owner_id == int(code.split(":")[1]))
    else:
        where = Account.code == code
    totals = sa.select(
        sa.func.coalesce(sa.func.sum(Account.balance), 0), sa.func.coalesce(sa.func.sum(Account.held), 0)
    )
    row = (await session.execute(totals.where(where))).one()
    return int(row[0]), int(row[1])


async def stock_left(session, offer_id: int) -> int:  # type: ignore[no-untyped-def]
    return await session.scalar(
        sa.select(Offer.stock_left).where(Offer.id == offer_id).execution_options(populate_existing=True)
    )
