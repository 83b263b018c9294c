"""The city's policy benefits: created and edited by the city, listed with each resident's eligibility,
claimed as vouchers.

A benefit is an offer of the city's own merchant (``Merchant.city_owned``, made on first use with a key
nobody holds: ``tanbi merchant rotate-key`` gives the city's venues one to consume vouchers with) with
``benefit`` set, so stock, the per-resident limit, validity, voucher codes, cancelling, lapsing and
consuming are the offers' own code (service/merchants/). The city is its own reviewer: what it creates or
changes is approved at once, with an audit entry. A free benefit (price 0) gives a voucher holding no coins.

A claim checks eligibility first (403 ``not_eligible``, nothing written), then claims through
``vouchers.claim(benefit=True)``, which on PostgreSQL is one call of ``tanbi_claim_voucher``: stock is taken
by its guarded update, so it is never oversold, whatever the price.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.achievements.totals import Totals, totals
from service.audit.models import record as audit
from service.benefits.eligibility import Rules, Unmet, unmet
from service.db.base import utcnow
from service.db.sql import lock_keys
from service.errors import Forbidden, NotFound
from service.identity.service import active_resident
from service.identity.tokens import hash_token
from service.merchants import offers, vouchers
from service.merchants.models import Merchant, Offer, Voucher
from service.settings import Settings

CITY_MERCHANT = "城市政策指标 City policy benefits"
RULES = ("min_level", "min_lifetime_grams", "family")


def rules_of(offer: Offer) -> Rules:
    return Rules(offer.min_level, offer.min_lifetime_grams, offer.family)


async def city_merchant(session: AsyncSession) -> Merchant:
    """The city's own merchant, made on first use (serialised, so there is only ever one)."""
    found = await _city_merchant(session)
    if found is not None:
        return found
    await lock_keys(session, ["city-merchant"])
    found = await _city_merchant(session)
    if found is not None:
        return found
    merchant = Merchant(
        name=CITY_MERCHANT,
        # A key nobody holds: `tanbi merchant rotate-key` issues the one the city's venues use.
        api_key_hash=hash_token("mk_" + secrets.token_urlsafe(32)),
        category="services",
        city_owned=True,
        created_at=utcnow(),
    )
    session.add(merchant)
    await session.flush()
    return merchant


async def _city_merchant(session: AsyncSession) -> Merchant | None:
    stmt = sa.select(Merchant).where(Merchant.city_owned.is_(True)).order_by(Merchant.id).limit(1)
    return await session.scalar(stmt)


async def create_benefit(
    session: AsyncSession, fields: dict[str, Any], actor: str, now: dt.datetime
) -> Offer:
    """A new benefit, approved at once (the city reviews its own). 422 ``invalid_validity``."""
    merchant = await city_merchant(session)
    offer = await offers.create_offer(session, merchant.id, {**fields, "benefit": True}, now)
    return await _approved(session, offer, actor, now, "benefit.create")


async def update_benefit(
    session: AsyncSession, offer_id: int, changes: dict[str, Any], actor: str, now: dt.datetime
) -> Offer:
    """Change a benefit; still approved (a new revision). 404 ``benefit_not_found``, 409
    ``stock_below_claimed``, 422 ``invalid_validity``."""
    offer = await _benefit(session, offer_id, lock=True)
    offer = await offers.update_offer(session, offer.merchant_id, offer_id, _offer_fields(changes), now)
    _apply_rules(offer, changes)
    return await _approved(session, offer, actor, now, "benefit.update")


def _offer_fields(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k not in RULES}


def _apply_rules(offer: Offer, fields: dict[str, Any]) -> None:
    for name in RULES:
        if name in fields:
            setattr(offer, name, fields[name])


async def _approved(session: AsyncSession, offer: Offer, actor: str, now: dt.datetime, action: str) -> Offer:
    offer.approved_at, offer.approved_by = now, actor
    offer.rejected_at, offer.rejected_by, offer.rejection_reason = None, None, None
    details = {"revision": offer.revision, "price": offer.price, **{r: getattr(offer, r) for r in RULES}}
    await audit(session, actor, action, f"offer:{offer.id}", details)
    await session.flush()
    return offer


async def _benefit(session: AsyncSession, offer_id: int, *, lock: bool = False) -> Offer:
    offer = await session.get(Offer, offer_id, with_for_update=lock, populate_existing=True)
    if offer is None or not offer.benefit:
        raise NotFound(f"benefit {offer_id} does not exist", code="benefit_not_found")
    return offer


async def all_benefits(session: AsyncSession, after_id: int, limit: int) -> Sequence[Offer]:
    """Every benefit, on sale or not (the city's list), by id."""
    stmt = (
        sa.select(Offer).where(Offer.benefit.is_(True), Offer.id > after_id).order_by(Offer.id).limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def benefits_on_sale(
    session: AsyncSession, resident_id: int, now: dt.datetime, after_id: int, limit: int
) -> tuple[Sequence[Offer], Totals]:
    """The benefits a resident may see now (approved, active, valid, in stock), by id, and the resident's
    totals to judge each one's eligibility with."""
    await active_resident(session, resident_id)
    stmt = sa.select(Offer).where(offers.on_sale(now, benefit=True), Offer.id > after_id)
    rows = (await session.scalars(stmt.order_by(Offer.id).limit(limit))).all()
    return rows, await totals(session, resident_id)


async def claim(
    session: AsyncSession, settings: Settings, resident_id: int, offer_id: int, now: dt.datetime
) -> Voucher:
    """A voucher of the benefit for an eligible resident. 403 ``not_eligible`` (with ``unmet``, the codes
    of the rules not met) changes nothing; otherwise the offers' refusals (sold_out, limit_reached,
    insufficient_funds for a paid one, offer_not_available)."""
    await active_resident(session, resident_id)
    offer = await _benefit(session, offer_id)
    missing = unmet(rules_of(offer), await totals(session, resident_id))
    if missing:
        raise _not_eligible(missing)
    return await vouchers.claim(session, settings, resident_id, offer_id, now, benefit=True)


def _not_eligible(missing: list[Unmet]) -> Forbidden:
    return Forbidden(
        "you are not eligible for this benefit: " + "; ".join(m.en for m in missing),
        code="not_eligible",
        extra={"unmet": [m.code for m in missing]},
    )
