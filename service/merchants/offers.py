"""Offers: merchants create and edit them, the city approves them, residents see the approved ones.

A change to what a resident agrees to (title, description, price, validity) needs approval again; stock
and the active flag do not. Stock is tracked as ``stock_left`` (not held by an outstanding voucher and not
consumed), so ``stock_total - stock_left`` is what is outstanding or consumed.

The city reviews one revision at a time and approves or rejects it, with a reason the merchant reads
(status pending / approved / rejected, derived from ``approved_at`` and ``rejected_at``, never both set).
A rejected offer is resubmitted by revising what needs approval: the new revision is pending again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.models import record as audit
from service.errors import Conflict, Invalid, NotFound
from service.merchants.models import Merchant, Offer, OfferStatus

NEEDS_APPROVAL = frozenset({"title", "title_en", "description", "price", "valid_from", "valid_until"})
EDITABLE = NEEDS_APPROVAL | {"stock_total", "per_resident_limit", "active"}


async def create_offer(
    session: AsyncSession, merchant_id: int, fields: dict[str, Any], now: dt.datetime
) -> Offer:
    await existing_merchant(session, merchant_id)
    _check_window(fields["valid_from"], fields["valid_until"])
    offer = Offer(
        merchant_id=merchant_id,
        stock_left=fields["stock_total"],
        approved_at=None,
        created_at=now,
        updated_at=now,
        **fields,
    )
    session.add(offer)
    await session.flush()
    return offer


async def merchant_offer(session: AsyncSession, merchant_id: int, offer_id: int) -> Offer:
    offer = await session.get(Offer, offer_id, with_for_update=True, populate_existing=True)
    if offer is None or offer.merchant_id != merchant_id:
        raise NotFound(f"offer {offer_id} does not exist", code="offer_not_found")
    return offer


async def update_offer(
    session: AsyncSession, merchant_id: int, offer_id: int, changes: dict[str, Any], now: dt.datetime
) -> Offer:
    offer = await merchant_offer(session, merchant_id, offer_id)
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise Invalid(f"these fields cannot be changed: {', '.join(unknown)}", code="not_editable")
    _check_window(changes.get("valid_from", offer.valid_from), changes.get("valid_until", offer.valid_until))
    if "stock_total" in changes:
        taken = offer.stock_total - offer.stock_left  # outstanding or consumed: cannot be taken back
        if changes["stock_total"] < taken:
            raise Conflict(
                f"{taken} of this offer are already claimed; stock cannot go below that",
                code="stock_below_claimed",
            )
        offer.stock_left = changes["stock_total"] - taken
    if NEEDS_APPROVAL & {k for k, v in changes.items() if getattr(offer, k) != v}:
        # A new revision to review: pending again, whether it was approved or rejected (a resubmission).
        offer.approved_at, offer.approved_by = None, None
        offer.rejected_at, offer.rejected_by, offer.rejection_reason = None, None, None
        offer.revision += 1
    for key, value in changes.items():
        setattr(offer, key, value)
    offer.updated_at = now
    await session.flush()
    return offer


async def approve_offer(
    session: AsyncSession, offer_id: int, revision: int, actor: str, now: dt.datetime
) -> Offer:
    """Approve ``revision`` of the offer: the one the city reviewed. Conflict (409 ``offer_changed``) if
    the merchant changed it since, so nothing is approved that nobody reviewed."""
    offer = await _reviewed(session, offer_id, revision)
    offer.approved_at, offer.approved_by = now, actor
    offer.rejected_at, offer.rejected_by, offer.rejection_reason = None, None, None
    reviewed = {k: _plain(getattr(offer, k)) for k in sorted(NEEDS_APPROVAL)}
    await audit(session, actor, "offer.approve", f"offer:{offer_id}", {"revision": revision, **reviewed})
    await session.flush()
    return offer


async def reject_offer(
    session: AsyncSession, offer_id: int, revision: int, reason: str, actor: str, now: dt.datetime
) -> Offer:
    """Reject ``revision`` of a pending offer with ``reason`` (shown to the merchant as is). 409
    ``offer_changed`` if the merchant changed it since, 409 ``offer_not_pending`` if it is approved
    (residents may hold vouchers of it: the merchant withdraws it with ``active: false``) or already
    rejected."""
    offer = await _reviewed(session, offer_id, revision)
    if offer.status != OfferStatus.PENDING:
        raise Conflict(
            f"the offer is {offer.status}; only a pending offer can be rejected", code="offer_not_pending"
        )
    offer.rejected_at, offer.rejected_by, offer.rejection_reason = now, actor, reason
    await audit(session, actor, "offer.reject", f"offer:{offer_id}", {"revision": revision, "reason": reason})
    await session.flush()
    return offer


async def _reviewed(session: AsyncSession, offer_id: int, revision: int) -> Offer:
    """The offer, locked, if ``revision`` is still its current one (what the city reviewed)."""
    offer = await session.get(Offer, offer_id, with_for_update=True, populate_existing=True)
    if offer is None:
        raise NotFound(f"offer {offer_id} does not exist", code="offer_not_found")
    if offer.revision != revision:
        raise Conflict(
            f"the offer changed since revision {revision}; review revision {offer.revision} instead",
            code="offer_changed",
            extra={"revision": offer.revision},
        )
    return offer


async def existing_merchant(session: AsyncSession, merchant_id: int) -> Merchant:
    """The token's merchant; 404 ``merchant_not_found`` when the token names none."""
    merchant = await session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound("this token's merchant does not exist", code="merchant_not_found")
    return merchant


def on_sale(now: dt.datetime, *, benefit: bool = False) -> sa.ColumnElement[bool]:
    """What residents may see and claim: approved, active, in its validity window, in stock. The city's
    policy benefits (``benefit=True``) are listed and claimed apart, after an eligibility check
    (service/benefits/), so an ordinary offer list or claim never reaches one."""
    return sa.and_(
        Offer.benefit.is_(benefit),
        Offer.approved_at.is_not(None),
        Offer.active.is_(True),
        Offer.valid_from <= now,
        Offer.valid_until > now,
        Offer.stock_left > 0,
    )


async def offers_on_sale(
    session: AsyncSession, now: dt.datetime, after_id: int, limit: int
) -> Sequence[Offer]:
    stmt = sa.select(Offer).where(on_sale(now), Offer.id > after_id).order_by(Offer.id).limit(limit)
    return (await session.scalars(stmt)).all()


async def offers_of(session: AsyncSession, merchant_id: int, after_id: int, limit: int) -> Sequence[Offer]:
    stmt = sa.select(Offer).where(Offer.merchant_id == merchant_id, Offer.id > after_id)
    return (await session.scalars(stmt.order_by(Offer.id).limit(limit))).all()


async def offers_awaiting_approval(session: AsyncSession, after_id: int, limit: int) -> Sequence[Offer]:
    stmt = sa.select(Offer).where(
        Offer.approved_at.is_(None), Offer.rejected_at.is_(None), Offer.id > after_id
    )
    return (await session.scalars(stmt.order_by(Offer.id).limit(limit))).all()


def _check_window(valid_from: dt.datetime, valid_until: dt.datetime) -> None:
    if valid_until <= valid_from:
        raise Invalid("valid_until must be after valid_from", code="invalid_validity")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value
