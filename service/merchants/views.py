"""Response bodies built from rows: offers with their merchant, vouchers with their offer's titles, the
merchant directory. Pure functions; the rows they need are fetched by service/merchants/profiles.py."""

from __future__ import annotations

from typing import Any

from service.merchants.merchant_schemas import LocationIO, MerchantBrief, MerchantPublicOut, OpenOfferOut
from service.merchants.models import Merchant, MerchantCategory, Offer, OfferStatus, Voucher
from service.merchants.profiles import Listed
from service.merchants.schemas import OfferOut, VoucherOut


def merchant_brief(merchant: Merchant) -> MerchantBrief:
    return MerchantBrief(**_brief(merchant))


def _brief(merchant: Merchant) -> dict[str, Any]:
    located = merchant.latitude is not None and merchant.longitude is not None
    return {
        "id": merchant.id,
        "name": merchant.name,
        "address": merchant.address,
        "location": LocationIO(lat=merchant.latitude, lng=merchant.longitude) if located else None,
        "category": MerchantCategory(merchant.category) if merchant.category else None,
        "image_url": merchant.image_url,
    }


def offer_out(offer: Offer, merchant: Merchant) -> OfferOut:
    status = offer.status
    return OfferOut(
        id=offer.id,
        merchant_id=offer.merchant_id,
        merchant=merchant_brief(merchant),
        title_zh=offer.title,
        title_en=offer.title_en,
        title=offer.title,
        description=offer.description,
        price=offer.price,
        stock_total=offer.stock_total,
        stock_left=offer.stock_left,
        per_resident_limit=offer.per_resident_limit,
        valid_from=offer.valid_from,
        valid_until=offer.valid_until,
        active=offer.active,
        revision=offer.revision,
        status=status,
        approved=status == OfferStatus.APPROVED,
        rejection_reason=offer.rejection_reason if status == OfferStatus.REJECTED else None,
        rejected_at=offer.rejected_at if status == OfferStatus.REJECTED else None,
    )


def voucher_out(voucher: Voucher, titles: dict[int, tuple[str, str | None, str]]) -> VoucherOut:
    """``titles``: profiles.offer_titles of the vouchers' offers."""
    title_zh, title_en, merchant_name = titles[voucher.offer_id]
    return VoucherOut(
        id=voucher.id,
        code=voucher.code,
        offer_id=voucher.offer_id,
        offer_title_zh=title_zh,
        offer_title_en=title_en,
        merchant_name=merchant_name,
        price=voucher.price,
        status=voucher.status,
        expires_at=voucher.expires_at,
        created_at=voucher.created_at,
        resolved_at=voucher.resolved_at,
    )


def listed_out(listed: Listed) -> MerchantPublicOut:
    return MerchantPublicOut(
        **_brief(listed.merchant),
        open_offers=[
            OpenOfferOut(
                id=o.id,
                title_zh=o.title,
                title_en=o.title_en,
                price=o.price,
                stock_left=o.stock_left,
                valid_until=o.valid_until,
            )
            for o in listed.offers
        ],
        open_offer_count=listed.count,
    )
