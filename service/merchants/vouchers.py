"""Vouchers: coins held and stock reserved when claimed; consumed, cancelled or lapsed exactly once.

Claim order matters for throughput: the per-resident limit is checked under a lock of that resident's
key, the coins are held, and only then is the hot offer row's stock decremented, as the last statement
before commit, so claims of a popular offer hold its row lock for as short a time as possible. Every end
state is one guarded ``UPDATE ... WHERE status = 'held'``: whoever wins that transition releases the hold
and (unless consumed) returns the stock; nobody else does anything.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.dialect import dialect_for
from service.db.sql import lock_keys
from service.errors import Conflict, NotFound
from service.identity.service import active_resident
from service.ledger.models import Transfer
from service.ledger.service import Ledger, TransferRequest
from service.merchants import fast
from service.merchants.models import Offer, Voucher, VoucherStatus
from service.merchants.offers import on_sale
from service.merchants.refusals import refusal
from service.settings import Settings

LIVE = (VoucherStatus.HELD, VoucherStatus.CONSUMED)  # count against the per-resident limit


def new_code() -> str:
    return "V" + secrets.token_hex(8).upper()


async def claim(
    session: AsyncSession,
    settings: Settings,
    resident_id: int,
    offer_id: int,
    now: dt.datetime,
    *,
    benefit: bool = False,
) -> Voucher:
    """A held voucher of the offer. ``benefit``: the offer is a city benefit whose eligibility the caller
    checked (service/benefits/); an ordinary claim of a benefit, or a benefit claim of an offer, is 404
    ``offer_not_found``. A free benefit (price 0) holds no coins."""
    if settings.redeem.database_functions and dialect_for(session).redemption_functions:
        ttl, shards = settings.redeem.voucher_ttl_seconds, settings.ledger.merchant_shards
        return await fast.claim(session, resident_id, offer_id, new_code(), ttl, shards, now, benefit=benefit)
    async with session.begin_nested():  # all or nothing, whatever the caller does next
        await active_resident(session, resident_id)
        offer = await session.scalar(
            sa.select(Offer).where(Offer.id == offer_id, on_sale(now, benefit=benefit))
        )
        if offer is None:
            await _why_not_on_sale(session, offer_id, benefit)
        assert offer is not None
        await lock_keys(session, [f"voucher-limit:{offer_id}:r{resident_id}"])
        await _check_limit(session, offer, resident_id)
        code = new_code()
        expires_at = min(now + dt.timedelta(seconds=settings.redeem.voucher_ttl_seconds), offer.valid_until)
        hold_id = await _hold(session, settings, offer, resident_id, code, expires_at, now)
        voucher = Voucher(
            code=code,
            offer_id=offer.id,
            resident_id=resident_id,
            hold_id=hold_id,
            price=offer.price,
            status=VoucherStatus.HELD,
            expires_at=expires_at,
            created_at=now,
        )
        session.add(voucher)
        await session.flush()
        await _take_stock(session, offer.id)
    return voucher


async def _hold(
    session: AsyncSession,
    settings: Settings,
    offer: Offer,
    resident_id: int,
    code: str,
    expires_at: dt.datetime,
    now: dt.datetime,
) -> int | None:
    """The coins of the voucher held in the ledger; None for a free benefit, which holds nothing."""
    if offer.price == 0:
        return None
    ledger = Ledger(session, settings.ledger, settings.zone, clock=lambda: now)
    wallet = await ledger.wallet(resident_id)
    till = await ledger.till(offer.merchant_id, wallet)
    request = TransferRequest(
        wallet.id, till.id, offer.price, "voucher", f"voucher:{code}", f"offer:{offer.id}"
    )
    return (await ledger.hold(request, expires_at=expires_at)).id


async def consume(
    session: AsyncSession, settings: Settings, merchant_id: int, code: str, now: dt.datetime
) -> tuple[Voucher, Transfer | None]:
    """Consume the merchant's voucher ``code``: its held coins posted to the merchant (the transfer), or,
    for a free benefit, no transfer (None)."""
    voucher = await session.scalar(
        sa.select(Voucher)
        .join(Offer, Offer.id == Voucher.offer_id)
        .where(Voucher.code == code, Offer.merchant_id == merchant_id)
        .with_for_update(of=Voucher)
    )
    if voucher is None:
        raise NotFound("no such voucher for this merchant", code="voucher_not_found")
    if voucher.status == VoucherStatus.HELD and voucher.expires_at <= now:
        raise Conflict("this voucher has expired", code="voucher_expired")
    await _resolve(session, voucher, VoucherStatus.CONSUMED, now)
    if voucher.hold_id is None:
        return voucher, None
    ledger = Ledger(session, settings.ledger, settings.zone, clock=lambda: now)
    transfer = await ledger.post(voucher.hold_id)
    return voucher, transfer


async def cancel(
    session: AsyncSession, settings: Settings, resident_id: int, voucher_id: int, now: dt.datetime
) -> Voucher:
    voucher = await session.get(Voucher, voucher_id, with_for_update=True, populate_existing=True)
    if voucher is None or voucher.resident_id != resident_id:
        raise NotFound(f"voucher {voucher_id} does not exist", code="voucher_not_found")
    await _release(session, settings, voucher, VoucherStatus.CANCELLED, now)
    return voucher


async def lapse_expired(session: AsyncSession, settings: Settings, now: dt.datetime, limit: int = 500) -> int:
    """Lapse held vouchers past their expiry: hold voided, stock returned. Safe to run concurrently."""
    stmt = (
        sa.select(Voucher)
        .where(Voucher.status == VoucherStatus.HELD, Voucher.expires_at <= now)
        .order_by(Voucher.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    lapsed = 0
    for voucher in (await session.scalars(stmt)).all():
        await _release(session, settings, voucher, VoucherStatus.LAPSED, now)
        lapsed += 1
    return lapsed


async def vouchers_of(
    session: AsyncSession, resident_id: int, after_id: int, limit: int
) -> Sequence[Voucher]:
    stmt = (
        sa.select(Voucher)
        .where(Voucher.resident_id == resident_id, Voucher.id > after_id)
        .order_by(Voucher.id)
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def _release(
    session: AsyncSession, settings: Settings, voucher: Voucher, status: VoucherStatus, now: dt.datetime
) -> None:
    await _resolve(session, voucher, status, now)
    if voucher.hold_id is not None:  # a free benefit's voucher holds nothing
        ledger = Ledger(session, settings.ledger, settings.zone, clock=lambda: now)
        await ledger.void(voucher.hold_id)  # a no-op if the ledger's hold sweep voided it first
    await session.execute(
        sa.update(Offer).where(Offer.id == voucher.offer_id).values(stock_left=Offer.stock_left + 1)
    )


async def _resolve(session: AsyncSession, voucher: Voucher, status: VoucherStatus, now: dt.datetime) -> None:
    result = await session.execute(
        sa.update(Voucher)
        .where(Voucher.id == voucher.id, Voucher.status == VoucherStatus.HELD)
        .values(status=status, resolved_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.refresh(voucher)
        raise Conflict(f"this voucher is already {voucher.status}", code=f"voucher_{voucher.status}")
    voucher.status, voucher.resolved_at = status, now


async def _check_limit(session: AsyncSession, offer: Offer, resident_id: int) -> None:
    taken = await session.scalar(
        sa.select(sa.func.count())
        .select_from(Voucher)
        .where(Voucher.offer_id == offer.id, Voucher.resident_id == resident_id, Voucher.status.in_(LIVE))
    )
    if (taken or 0) >= offer.per_resident_limit:
        raise refusal("limit_reached")


async def _take_stock(session: AsyncSession, offer_id: int) -> None:
    result = await session.execute(
        sa.update(Offer)
        .where(Offer.id == offer_id, Offer.stock_left > 0)
        .values(stock_left=Offer.stock_left - 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise refusal("sold_out")


async def _why_not_on_sale(session: AsyncSession, offer_id: int, benefit: bool) -> None:
    offer = await session.get(Offer, offer_id)
    if offer is None or offer.approved_at is None or offer.benefit != benefit:
        raise refusal("offer_not_found")
    if offer.stock_left <= 0:
        raise refusal("sold_out")
    raise refusal("offer_not_available")
