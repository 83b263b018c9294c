"""Bodies of the merchant profile routes and of the public merchant directory (GET /v1/merchants)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from service.merchants.models import MerchantCategory

CATEGORY = (
    "the kind of shop: dining (餐饮), drinks (茶饮咖啡), grocery (商超便利), retail (零售), "
    "services (生活服务), leisure (文体休闲), transport (出行) or other; null until the merchant sets it"
)
CURSOR = "opaque cursor: pass it back as `cursor` to get the next page; null on the last page"
IMAGE_URL = "an https (or http) URL of the shop's picture, shown beside its offers; null until set"


class LocationIO(BaseModel):
    """A point on the map (WGS 84, as GPS gives it; convert GCJ-02 map coordinates before sending)."""

    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90, description="latitude in degrees, north positive")
    lng: float = Field(ge=-180, le=180, description="longitude in degrees, east positive")


class MerchantBrief(BaseModel):
    """The merchant behind an offer, as a resident's screen shows it."""

    id: int = Field(description="the merchant's id")
    name: str = Field(description="the shop's name")
    address: str | None = Field(description="the shop's street address; null until the merchant sets it")
    location: LocationIO | None = Field(description="where the shop is; null until the merchant sets it")
    category: MerchantCategory | None = Field(description=CATEGORY)
    image_url: str | None = Field(description=IMAGE_URL)


class MerchantProfilePatch(BaseModel):
    """Profile fields to change: omitted fields keep their value, null clears one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    address: str | None = Field(default=None, min_length=1, max_length=200, description="street address")
    location: LocationIO | None = Field(default=None, description="where the shop is")
    category: MerchantCategory | None = Field(default=None, description=CATEGORY)
    image_url: str | None = Field(
        default=None, max_length=500, pattern=r"^https?://[^\s]+$", description=IMAGE_URL
    )


class OpenOfferOut(BaseModel):
    """An offer a resident can claim now (approved, active, in its validity window, in stock)."""

    id: int = Field(description="the offer's id (claim it with POST /v1/me/vouchers)")
    title_zh: str = Field(description="what the resident gets, in Chinese")
    title_en: str | None = Field(
        description="what the resident gets, in English; null if the merchant gave none"
    )
    price: int = Field(description="coins a voucher of this offer costs")
    stock_left: int = Field(description="vouchers still claimable")
    valid_until: dt.datetime = Field(description="when the offer ends (ISO 8601 timestamp, UTC)")


class MerchantPublicOut(MerchantBrief):
    """A merchant with offers on sale, for the residents' shop list and map."""

    open_offers: list[OpenOfferOut] = Field(
        description="its offers on sale now, by ascending id (at most 20; open_offer_count has them all)"
    )
    open_offer_count: int = Field(description="how many of its offers are on sale now")


class MerchantPage(BaseModel):
    """A page of merchants with at least one offer on sale, by ascending id."""

    items: list[MerchantPublicOut] = Field(description="the merchants, by ascending id")
    next_cursor: str | None = Field(description=CURSOR)
