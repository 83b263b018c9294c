"""no_cutlery_order 1.0.0: a takeaway order placed without disposable cutlery.

reduction = chopsticks_g_per_pair x compliance x no_cutlery               (x conservativeness)

One pair of disposable chopsticks per order, whatever the order's size; ``compliance`` is the share of such
orders whose cutlery would really have been used (an assumption: many residents eat with their own anyway).
``no_cutlery`` counts 1 when the order asked for no cutlery, else 0.
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

TIANJIN_CHOPSTICKS = (
    "天津北方网 (津云新闻), 《天津：锚定双碳目标 实现绿色发展》, 2022-03: "
    "少用一双一次性筷子，可以减少约20克碳排放 "
    "(one pair of disposable wooden chopsticks less avoids about 20 g)"
)
COMPLIANCE_ASSUMPTION = (
    "Tanbi assumption (methodologies.md v2, review of 2026-11): half of the orders placed without cutlery "
    "avoid a pair that would have been used; the other half would have gone unused anyway"
)
DAILY_ORDERS = "Tanbi methodologies v2 (methodologies.md, review of 2026-11): at most three meals a day"


class NoCutleryOrderEvidence(Evidence):
    order: str = identifier("takeaway_order", description="the platform's order number")
    ordered_at: AwareDatetime = Field(description="when the order was placed, with zone")
    no_cutlery: bool = Field(description="true when the order asked for no disposable cutlery (无需餐具)")


class NoCutleryOrderParams(Conservative):
    chopsticks_g_per_pair: Decimal = factor(
        "20", unit="g CO2 / pair of disposable chopsticks", source=TIANJIN_CHOPSTICKS, year=2022, ge=0, le=200
    )
    compliance: Decimal = factor(
        "0.5",
        unit="ratio (pairs avoided / order without cutlery)",
        source=COMPLIANCE_ASSUMPTION,
        year=2026,
        ge=0,
        le=1,
    )
    daily_max_orders: int = setting(
        3, unit="credited orders / resident / local day", source=DAILY_ORDERS, year=2026, ge=1, le=10
    )
    stale_days: int = setting(30, unit="days after ordered_at", source=TANBI_V2, year=2026, ge=1, le=90)
    future_tolerance_minutes: int = setting(5, unit="minutes", source=TANBI_V2, year=2026, ge=0, le=60)


class NoCutleryOrderV1(BaseMethodology):
    id = "no_cutlery_order"
    version = "1.0.0"
    title = "Takeaway order without disposable cutlery (外卖不要餐具)"
    source = "天津北方网 (津云新闻) 2022-03, 20 g per pair of disposable chopsticks; Tanbi methodologies v2"
    api_version = API_VERSION
    family = "low_carbon_consumption"
    partner = (
        "takeaway platform (外卖平台): the order's 无需餐具 choice, for completed orders only; Tanbi hashes "
        "the order number"
    )
    reasons = {
        "cutlery_requested": ("该订单要了一次性餐具", "the order asked for disposable cutlery"),
        "duplicate_evidence": ("同一订单已计入过", "the same order was credited before"),
        "daily_cap": ("超出每日订单数上限（默认 3 单）", "past daily_max_orders orders (default 3) that day"),
    }
    example = {"order": "3018269112745530091", "ordered_at": "2026-11-19T11:52:40+08:00", "no_cutlery": True}
    Evidence = NoCutleryOrderEvidence
    Params = NoCutleryOrderParams

    @property
    def readme(self) -> str:
        return readme_of("methodologies.no_cutlery_order")

    def verify(
        self, evidence: NoCutleryOrderEvidence, params: NoCutleryOrderParams, context: Context
    ) -> Verdict:
        reasons = window_reasons(
            evidence.ordered_at,
            context,
            stale_days=params.stale_days,
            future_minutes=params.future_tolerance_minutes,
        )
        if not evidence.no_cutlery:
            reasons.append("cutlery_requested")
        return Verdict.of(reasons)

    def quantify(self, evidence: NoCutleryOrderEvidence, params: NoCutleryOrderParams) -> Quantity:
        no_cutlery = Decimal(1) if evidence.no_cutlery else Decimal(0)
        return Quantity.of(
            params.chopsticks_g_per_pair * params.compliance * no_cutlery,
            formula="chopsticks_g_per_pair x compliance x no_cutlery",
            inputs={"no_cutlery": no_cutlery},
            factors=(named_factor(params, "chopsticks_g_per_pair"), named_factor(params, "compliance")),
            gas="CO2",
            conservativeness=params.conservativeness,
        )

    def occurred_at(self, evidence: NoCutleryOrderEvidence) -> dt.datetime:
        return evidence.ordered_at

    def claims(self, evidence: NoCutleryOrderEvidence) -> tuple[Claim, ...]:
        return (Claim(f"no_cutlery_order:{evidence.order}"),)

    def caps(self, evidence: NoCutleryOrderEvidence, params: NoCutleryOrderParams) -> tuple[Cap, ...]:
        return (Cap("daily_cap", "actions", "day", Decimal(params.daily_max_orders), Decimal(1)),)
