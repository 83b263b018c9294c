"""Request and response bodies of the city's policy benefits."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from service.merchants.schemas import MAX_COINS, TITLE_EN, TITLE_ZH

FamilyId = Literal[
    "public_transport",
    "online_payment",
    "new_energy_vehicles",
    "fuel_car_parked",
    "low_carbon_consumption",
    "low_carbon_community",
]
MIN_LEVEL = (
    "the lowest level that may claim it: 1 绿芽 Sprout, 2 新叶 Leaf, 3 小树 Sapling, "
    "4 大树 Tree, 5 森林 Forest"
)
MIN_GRAMS = "the fewest lifetime grams CO2e avoided that may claim it"
FAMILY = "a family of the plan in which the resident needs at least one credited action"
PRICE = "coins a voucher costs; 0: free to the eligible (the voucher holds no coins)"
CURSOR = "opaque cursor: pass it back as `cursor` to get the next page; null on the last page"
UNMET_CODE = (
    "level_too_low: below min_level; lifetime_too_low: fewer lifetime grams than min_lifetime_grams; "
    "family_missing: no credited action in family"
)


class BenefitIn(BaseModel):
    """A new policy benefit of the city, approved at once. Every eligibility rule set must hold."""

    model_config = ConfigDict(extra="forbid")

    title_zh: str = Field(min_length=1, max_length=120, description=TITLE_ZH)
    title_en: str | None = Field(default=None, min_length=1, max_length=120, description=TITLE_EN)
    description: str = Field(default="", max_length=2000, description="details and conditions")
    price: int = Field(ge=0, le=MAX_COINS, description=PRICE)
    stock_total: int = Field(ge=0, le=10**7, description="how many vouchers can be claimed in total")
    per_resident_limit: int = Field(
        default=1, ge=1, le=1000, description="most vouchers one resident may hold or have consumed"
    )
    valid_from: AwareDatetime = Field(description="when residents may start claiming (ISO 8601 with offset)")
    valid_until: AwareDatetime = Field(description="when it ends, after valid_from (ISO 8601 with offset)")
    active: bool = Field(default=True, description="false hides it from residents")
    min_level: int | None = Field(default=None, ge=1, le=5, description=MIN_LEVEL + "; null: any")
    min_lifetime_grams: int | None = Field(
        default=None, ge=1, le=10**15, description=MIN_GRAMS + "; null: any"
    )
    family: FamilyId | None = Field(default=None, description=FAMILY + "; null: none needed")


class BenefitPatch(BaseModel):
    """Changes to a benefit: omitted fields keep their value; null clears title_en and the rules and is
    refused elsewhere (422 null_field). The benefit stays approved."""

    model_config = ConfigDict(extra="forbid")

    title_zh: str | None = Field(default=None, min_length=1, max_length=120, description=TITLE_ZH)
    title_en: str | None = Field(default=None, min_length=1, max_length=120, description=TITLE_EN)
    description: str | None = Field(default=None, max_length=2000, description="details and conditions")
    price: int | None = Field(default=None, ge=0, le=MAX_COINS, description=PRICE)
    stock_total: int | None = Field(
        default=None,
        ge=0,
        le=10**7,
        description="total vouchers; not below those claimed (409 stock_below_claimed)",
    )
    per_resident_limit: int | None = Field(
        default=None, ge=1, le=1000, description="most vouchers per resident"
    )
    valid_from: AwareDatetime | None = Field(default=None, description="when claiming starts (ISO 8601)")
    valid_until: AwareDatetime | None = Field(default=None, description="when it ends (ISO 8601)")
    active: bool | None = Field(default=None, description="false hides it from residents")
    min_level: int | None = Field(default=None, ge=1, le=5, description=MIN_LEVEL + "; null: any")
    min_lifetime_grams: int | None = Field(
        default=None, ge=1, le=10**15, description=MIN_GRAMS + "; null: any"
    )
    family: FamilyId | None = Field(default=None, description=FAMILY + "; null: none needed")


class BenefitOut(BaseModel):
    """A policy benefit of the city: an offer of the city's own merchant with eligibility rules."""

    id: int = Field(description="the benefit's id (an offer id; its vouchers are in GET /v1/me/vouchers)")
    title_zh: str = Field(description=TITLE_ZH)
    title_en: str | None = Field(description="what the resident gets, in English; null if none")
    description: str = Field(description="details and conditions; may be empty")
    price: int = Field(description=PRICE)
    free: bool = Field(description="price is 0: free to the eligible")
    stock_total: int = Field(description="how many vouchers can be claimed in total")
    stock_left: int = Field(description="vouchers still claimable")
    per_resident_limit: int = Field(description="most vouchers one resident may hold or have consumed")
    valid_from: dt.datetime = Field(description="when claiming starts (ISO 8601 timestamp, UTC)")
    valid_until: dt.datetime = Field(description="when it ends (ISO 8601 timestamp, UTC)")
    active: bool = Field(description="false: hidden from residents")
    revision: int = Field(description="bumped when a title, description, price or validity change")
    min_level: int | None = Field(description=MIN_LEVEL + "; null: any")
    min_lifetime_grams: int | None = Field(description=MIN_GRAMS + "; null: any")
    family: FamilyId | None = Field(description=FAMILY + "; null: none needed")


class UnmetOut(BaseModel):
    """An eligibility rule the resident does not meet."""

    code: Literal["level_too_low", "lifetime_too_low", "family_missing"] = Field(description=UNMET_CODE)
    detail: str = Field(description="what is missing, in the request's language (Accept-Language)")


class ResidentBenefitOut(BenefitOut):
    """A benefit as a resident sees it: with whether they may claim it, and if not, why."""

    eligible: bool = Field(description="true: every rule holds and a claim is not refused for eligibility")
    unmet: list[UnmetOut] = Field(
        description="the rules not met, in the request's language; empty if eligible"
    )


class BenefitPage(BaseModel):
    """A page of benefits, by ascending id."""

    items: list[BenefitOut] = Field(description="the benefits, by ascending id")
    next_cursor: str | None = Field(description=CURSOR)


class ResidentBenefitPage(BaseModel):
    """A page of the benefits on offer now, by ascending id, each with the resident's eligibility."""

    items: list[ResidentBenefitOut] = Field(description="the benefits, by ascending id")
    next_cursor: str | None = Field(description=CURSOR)
