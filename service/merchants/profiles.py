"""What residents see of a merchant: its profile (address, location, category, picture), the public
directory of merchants with offers on sale, and the names and titles that lists of offers and vouchers
show beside their ids.

The directory lists only merchants with at least one offer on sale now (approved, active, valid, in
stock): a resident can act on every entry, and a merchant without anything to offer (or not yet
approved) is not advertised by the city.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.models import record as audit
from service.errors import Invalid, NotFound
from service.merchants.models import Merchant, MerchantCategory, Offer
from service.merchants.offers import on_sale

PROFILE_FIELDS = ("address", "latitude", "longitude", "category", "image_url")
OPEN_OFFERS_SHOWN = 20


@dataclass(frozen=True)
class Listed:
    """A merchant of the directory, its offers on sale (the first ``OPEN_OFFERS_SHOWN``) and their count."""

    merchant: Merchant
    offers: list[Offer]
    count: int

    @property
    def id(self) -> int:  # pages are cut by merchant id
        return self.merchant.id


async def merchant_by_ref(session: AsyncSession, ref: str) -> Merchant:
    """The merchant with this id (digits) or name; 404 ``merchant_not_found``."""
    column = Merchant.id if ref.isdigit() else Merchant.name
    value: Any = int(ref) if ref.isdigit() else ref
    merchant = await session.scalar(sa.select(Merchant).where(column == value))
    if merchant is None:
        raise NotFound(f"no merchant {ref!r}", code="merchant_not_found")
    return merchant


async def update_profile(
    session: AsyncSession, merchant_id: int, changes: dict[str, Any], actor: str
) -> Merchant:
    """Set the given profile fields (``PROFILE_FIELDS``; None clears one) and audit the change.

    422 ``invalid_location`` unless latitude and longitude are given together and in range, 422
    ``unknown_category`` for a category that is not a ``MerchantCategory``."""
    merchant = await session.get(Merchant, merchant_id, with_for_update=True, populate_existing=True)
    if merchant is None:
        raise NotFound("this merchant does not exist", code="merchant_not_found")
    unknown = sorted(set(changes) - set(PROFILE_FIELDS))
    if unknown:
        raise Invalid(f"not profile fields: {', '.join(unknown)}", code="not_editable")
    if ("latitude" in changes) != ("longitude" in changes) or not _valid_location(
        changes.get("latitude"), changes.get("longitude")
    ):
        raise Invalid(
            "give latitude and longitude together (-90..90, -180..180), or clear both",
            code="invalid_location",
        )
    category = changes.get("category")
    if category is not None and category not in set(MerchantCategory):
        raise Invalid(f"unknown category {category!r}", code="unknown_category")
    for name, value in changes.items():
        setattr(merchant, name, value)
    await session.flush()
    await audit(session, actor, "merchant.profile", f"merchant:{merchant_id}", dict(changes))
    return merchant


def _valid_location(lat: float | None, lng: float | None) -> bool:
    if lat is None or lng is None:
        return lat is None and lng is None
    return -90 <= lat <= 90 and -180 <= lng <= 180


async def merchants_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Merchant]:
    """The merchants of ``ids`` in one statement (for offer lists)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.scalars(sa.select(Merchant).where(Merchant.id.in_(wanted)))
    return {m.id: m for m in rows.all()}


async def offer_titles(
    session: AsyncSession, offer_ids: Iterable[int]
) -> dict[int, tuple[str, str | None, str]]:
    """``offer id -> (title_zh, title_en, merchant name)`` in one statement (for voucher lists)."""
    wanted = sorted(set(offer_ids))
    if not wanted:
        return {}
    rows = await session.execute(
        sa.select(Offer.id, Offer.title, Offer.title_en, Merchant.name)
        .join(Merchant, Merchant.id == Offer.merchant_id)
        .where(Offer.id.in_(wanted))
    )
    return {row[0]: (row[1], row[2], row[3]) for row in rows.all()}


async def directory(session: AsyncSession, now: dt.datetime, after_id: int, limit: int) -> list[Listed]:
    """Merchants with an offer on sale at ``now``, by ascending id after ``after_id``, at most ``limit``;
    two statements whatever the page's size."""
    selling = sa.exists().where(Offer.merchant_id == Merchant.id, on_sale(now))
    merchants: Sequence[Merchant] = (
        await session.scalars(
            sa.select(Merchant).where(Merchant.id > after_id, selling).order_by(Merchant.id).limit(limit)
        )
    ).all()
    if not merchants:
        return []
    offers = await session.scalars(
        sa.select(Offer)
        .where(Offer.merchant_id.in_([m.id for m in merchants]), on_sale(now))
        .order_by(Offer.merchant_id, Offer.id)
    )
    grouped: dict[int, list[Offer]] = {m.id: [] for m in merchants}
    for offer in offers.all():
        grouped[offer.merchant_id].append(offer)
    return [Listed(m, grouped[m.id][:OPEN_OFFERS_SHOWN], len(grouped[m.id])) for m in merchants]
