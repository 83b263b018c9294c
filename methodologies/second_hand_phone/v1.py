"""second_hand_phone 1.0.0: a resident buys a second-hand phone, and a new one need not be made.

reduction_g = phone_embodied_kg x 1000 x substitution_ratio          (25 x 1000 x 0.5 = 12500 g CO2e)

The resale platform reports the completed sale; Tanbi hashes the IMEI, so one handset sold on two platforms
is one handset. A handset is credited once in 24 months, whoever buys it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import AwareDatetime, Field

from methodologies._common.factors import named_factor
from methodologies._common.readme import readme_of
from methodologies._common.sources import TANBI_V1, TANBI_V2
from methodologies._common.timing import window_reasons
from methodologies._sdk import (
    API_VERSION,
    BaseMethodology,
    Cap,
    Claim,
    Conservative,
    Context,
    Evidence,
    Occupancy,
    Quantity,
    Verdict,
    factor,
    identifier,
    setting,
)

SPEC_PHONE = (
    "Tanbi methodologies v2 (methodologies.md, the plan's remaining scenarios, second_hand_phone): "
    "25 kg per phone, the embodied (manufacturing) emissions a second-hand purchase avoids; "
    "the spec names no primary source"
)
SUBSTITUTION_ASSUMPTION = (
    "Tanbi methodologies v2 assumption (methodologies.md, second_hand_phone): half of second-hand "
    "purchases displace a new phone; the city calibrates from buyer surveys"
)
SECOND_HAND = ("used", "refurbished")
# One credit per handset per 24 months (methodologies.md). A rule of this code version, not a parameter:
# occupancy() is not given the parameters, and the history check and the occupancy must agree.
RESALE_INTERVAL_MONTHS = 24


class PhonePurchaseEvidence(Evidence):
    imei: str = identifier(
        "imei", description="the handset's IMEI (15 digits; a dual-SIM phone's first IMEI, IMEI 1)"
    )
    bought_at: AwareDatetime = Field(
        description="when the sale completed (the buyer confirmed receipt, 确认收货), with zone"
    )
    condition: Literal["used", "refurbished", "new", "unknown"] = Field(
        description="the platform's grading of the handset sold: used (二手), refurbished (翻新/官翻), new "
        "(全新, unopened or never activated), unknown"
    )
    first_activated_on: dt.date | None = Field(
        default=None,
        description="the handset's first activation date (激活日期), from the maker's warranty lookup or the "
        "platform's inspection (验机), local date; optional",
    )


class SecondHandPhoneParams(Conservative):
    phone_embodied_kg: Decimal = factor(
        "25", unit="kg CO2e / phone", source=SPEC_PHONE, year=2026, gt=0, le=500, max_digits=8
    )
    substitution_ratio: Decimal = factor(
        "0.5", unit="ratio", source=SUBSTITUTION_ASSUMPTION, year=2026, gt=0, le=1, max_digits=6
    )
    yearly_max_phones: int = setting(
        2, unit="credited phones / resident / calendar year", source=TANBI_V2, year=2026, ge=1, le=12
    )
    stale_days: int = setting(30, unit="days after bought_at", source=TANBI_V2, year=2026, ge=1, le=366)
    future_tolerance_minutes: int = setting(5, unit="minutes", source=TANBI_V1, year=2026, ge=0, le=60)


class SecondHandPhoneV1(BaseMethodology):
    id = "second_hand_phone"
    version = "1.0.0"
    title = "Second-hand phone (二手手机)"
    source = "Tanbi methodologies v2 (methodologies.md, second_hand_phone); DB11/T 3043-2024 principles"
    api_version = API_VERSION
    family = "low_carbon_consumption"
    Evidence = PhonePurchaseEvidence
    Params = SecondHandPhoneParams
    partner = (
        "resale platform (二手交易平台): a completed sale of a second-hand handset, with the platform's "
        "grading; the buyer is the resident the event names; Tanbi hashes the IMEI"
    )
    reasons = {
        "not_eligible": (
            "非二手手机（全新、成色未知，或购买当天及之后才首次激活）",
            "not a second-hand handset: new, of unknown condition, or first activated on or after the sale",
        ),
        "resold_too_soon": (
            "同一部手机在 24 个月内已计入过一次",
            "the same handset was credited for a purchase less than 24 months before or after this one",
        ),
        "duplicate_evidence": ("同一笔二手交易已计入过", "the same sale was credited before"),
        "yearly_cap": ("超出每年计入手机数量上限", "past the yearly number of phones credited"),
    }
    example = {
        "imei": "490154203237518",
        "bought_at": "2026-11-18T15:32:00+08:00",
        "condition": "used",
        "first_activated_on": "2024-09-27",
    }

    @property
    def readme(self) -> str:
        return readme_of("methodologies.second_hand_phone")

    def verify(
        self, evidence: PhonePurchaseEvidence, params: SecondHandPhoneParams, context: Context
    ) -> Verdict:
        reasons = window_reasons(
            evidence.bought_at,
            context,
            stale_days=params.stale_days,
            future_minutes=params.future_tolerance_minutes,
        )
        activated = evidence.first_activated_on
        if evidence.condition not in SECOND_HAND or (
            activated is not None and activated >= context.local_date(evidence.bought_at)
        ):
            reasons.append("not_eligible")
        if _bought_too_soon(evidence, context.previous):
            reasons.append("resold_too_soon")
        return Verdict.of(reasons)

    def quantify(self, evidence: PhonePurchaseEvidence, params: SecondHandPhoneParams) -> Quantity:
        avoided = params.phone_embodied_kg * 1000 * params.substitution_ratio
        return Quantity.of(
            avoided,
            baseline=avoided,
            project=Decimal(0),
            formula="phone_embodied_kg x 1000 x substitution_ratio",
            inputs={"phones": Decimal(1), "condition": evidence.condition},
            factors=(
                named_factor(params, "phone_embodied_kg"),
                named_factor(params, "substitution_ratio"),
            ),
            gas="CO2e",
            conservativeness=params.conservativeness,
        )

    def occurred_at(self, evidence: PhonePurchaseEvidence) -> dt.datetime:
        return evidence.bought_at

    def occupancy(self, evidence: PhonePurchaseEvidence) -> tuple[Occupancy, ...]:
        # A credited purchase holds the handset for the interval, whoever bought it: two purchases less
        # than the interval apart overlap whatever order they arrive in (history sees only the earlier one).
        return (
            Occupancy(
                f"phone:{evidence.imei}",
                evidence.bought_at,
                add_months(evidence.bought_at, RESALE_INTERVAL_MONTHS),
                per_resident=False,
                reason="resold_too_soon",
            ),
        )

    def claims(self, evidence: PhonePurchaseEvidence) -> tuple[Claim, ...]:
        moment = evidence.bought_at.astimezone(dt.UTC).isoformat()
        return (Claim(f"second_hand_phone:{evidence.imei}:{moment}"),)

    def caps(self, evidence: PhonePurchaseEvidence, params: SecondHandPhoneParams) -> tuple[Cap, ...]:
        return (Cap("yearly_cap", "actions", "year", Decimal(params.yearly_max_phones), Decimal(1)),)

    def history_key(self, evidence: PhonePurchaseEvidence) -> str | None:
        return f"phone:{evidence.imei}"


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """``moment`` plus ``months`` calendar months, counted in UTC (so every zone a partner reports in gives
    the same instant); the day is clipped to the end of a shorter month (31 March + 1 month = 30 April)."""
    utc = moment.astimezone(dt.UTC)
    index = utc.month - 1 + months
    year, month = utc.year + index // 12, index % 12 + 1
    return utc.replace(year=year, month=month, day=min(utc.day, calendar.monthrange(year, month)[1]))


def _bought_too_soon(evidence: PhonePurchaseEvidence, previous: Any) -> bool:
    """The handset's previous credited purchase (at or before this one) is under 24 months before it."""
    if not previous or not previous.get("bought_at"):
        return False
    last = dt.datetime.fromisoformat(str(previous["bought_at"]))
    return evidence.bought_at < add_months(last, RESALE_INTERVAL_MONTHS)
