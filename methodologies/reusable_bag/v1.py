"""reusable_bag 1.0.0: a purchase for which the resident bought no plastic carrier bag.

reduction = reusable_bag_g x no_bag_bought                               (x conservativeness)

``no_bag_bought`` counts 1 when the receipt has no plastic carrier bag on it, else 0. The figure is
武碳江湖's per purchase with the resident's own bag (自备购物袋), not per bag.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import AwareDatetime, Field

from methodologies._common.factors import named_factor
from methodologies._common.readme import readme_of
from methodologies._common.sources import TANBI_V2
from methodologies._common.timing import window_reasons
from methodologies._sdk import (
    API_VERSION,
    BaseMethodology,
    Cap,
    Claim,
    Conservative,
    Context,
    Evidence,
    Quantity,
    Verdict,
    factor,
    identifier,
    setting,
)

WUHAN_OWN_BAG = (
    "武碳江湖 (Wuhan carbon-inclusive platform), 自备购物袋: 5 g per purchase with one's own bag, as "
    "reported by 楚天都市报 (极目新闻), 2023-07-21, on Wuhan's first 碳服务便利店"
)
DAILY_RECEIPTS = "Tanbi methodologies v2 (methodologies.md, review of 2026-11): at most three shops a day"


class ReusableBagEvidence(Evidence):
    receipt: str = identifier("receipt", description="the receipt (小票) number of the purchase")
    purchased_at: AwareDatetime = Field(description="when the purchase was paid at the till, with zone")
    plastic_bags_bought: int = Field(
        ge=0, le=50, description="plastic carrier bags sold on this receipt, count (0: none bought)"
    )


class ReusableBagParams(Conservative):
    reusable_bag_g: Decimal = factor(
        "5", unit="g CO2 / purchase without a bag bought", source=WUHAN_OWN_BAG, year=2023, ge=0, le=100
    )
    daily_max_receipts: int = setting(
        3, unit="credited receipts / resident / local day", source=DAILY_RECEIPTS, year=2026, ge=1, le=10
    )
    stale_days: int = setting(30, unit="days after purchased_at", source=TANBI_V2, year=2026, ge=1, le=90)
    future_tolerance_minutes: int = setting(5, unit="minutes", source=TANBI_V2, year=2026, ge=0, le=60)


class ReusableBagV1(BaseMethodology):
    id = "reusable_bag"
    version = "1.0.0"
    title = "Own shopping bag (自带购物袋)"
    source = "武碳江湖 自备购物袋 5 g per purchase (楚天都市报, 2023-07-21); Tanbi methodologies v2"
    api_version = API_VERSION
    family = "low_carbon_consumption"
    partner = (
        "retailer (supermarket, convenience store; 商超/便利店): its till knows whether a carrier bag was "
        "sold on the receipt; Tanbi hashes the receipt number"
    )
    reasons = {
        "bag_bought": ("该小票上购买了塑料购物袋", "a plastic carrier bag was bought on this receipt"),
        "duplicate_evidence": ("同一小票已计入过", "the same receipt was credited before"),
        "daily_cap": (
            "超出每日小票数上限（默认 3 张）",
            "past daily_max_receipts receipts (default 3) that day",
        ),
    }
    example = {
        "receipt": "0127-20261119-000318",
        "purchased_at": "2026-11-19T18:06:51+08:00",
        "plastic_bags_bought": 0,
    }
    Evidence = ReusableBagEvidence
    Params = ReusableBagParams

    @property
    def readme(self) -> str:
        return readme_of("methodologies.reusable_bag")

    def verify(self, evidence: ReusableBagEvidence, params: ReusableBagParams, context: Context) -> Verdict:
        reasons = window_reasons(
            evidence.purchased_at,
            context,
            stale_days=params.stale_days,
            future_minutes=params.future_tolerance_minutes,
        )
        if evidence.plastic_bags_bought > 0:
            reasons.append("bag_bought")
        return Verdict.of(reasons)

    def quantify(self, evidence: ReusableBagEvidence, params: ReusableBagParams) -> Quantity:
        no_bag_bought = Decimal(1) if evidence.plastic_bags_bought == 0 else Decimal(0)
        return Quantity.of(
            params.reusable_bag_g * no_bag_bought,
            formula="reusable_bag_g x no_bag_bought",
            inputs={"plastic_bags_bought": str(evidence.plastic_bags_bought), "no_bag_bought": no_bag_bought},
            factors=(named_factor(params, "reusable_bag_g"),),
            gas="CO2",
            conservativeness=params.conservativeness,
        )

    def occurred_at(self, evidence: ReusableBagEvidence) -> dt.datetime:
        return evidence.purchased_at

    def claims(self, evidence: ReusableBagEvidence) -> tuple[Claim, ...]:
        return (Claim(f"reusable_bag:{evidence.receipt}"),)

    def caps(self, evidence: ReusableBagEvidence, params: ReusableBagParams) -> tuple[Cap, ...]:
        return (Cap("daily_cap", "actions", "day", Decimal(params.daily_max_receipts), Decimal(1)),)
