"""online_bill 1.0.0: a utility bill on paperless billing, paid online.

reduction = paperless_g_per_bill x paperless + counter_trip_avoided_g          (x conservativeness)

``paperless`` counts 1 when the utility confirms the billing month went out electronically only, else 0.
``counter_trip_avoided_g`` is 0 by default: Ant Forest credits 262 g per online utility payment, but no
derivation of it was ever published, so a city that wants it publishes it as a parameter version.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

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

ANT_FOREST = "Alipay Ant Forest (支付宝蚂蚁森林) green-energy rules (能量产生规则), as republished 2022-11-24"
ANT_FOREST_UTILITY = (
    ANT_FOREST + ", 生活缴费: 262 g per water, electricity or gas payment of at least 1 元; at most 10 a "
    "month; one per account number (户号) a month"
)
PAPERLESS_ASSUMPTION = (
    "Tanbi assumption: a paperless billing month saves about what one e-invoice does, Ant Forest's 5 g "
    "per 电子发票, no derivation published (" + ANT_FOREST + ")"
)
COUNTER_TRIP = (
    "Tanbi default 0, conservative: Ant Forest credits 262 g per online utility payment (生活缴费) for "
    "the trip to a service counter it avoids, no derivation published (" + ANT_FOREST + ")"
)
BILL_AGE = (
    "Tanbi assumption: utility bills are issued monthly, in or just after their month, and fall due "
    "within about a month; a bill paid more than two months after its month settles arrears"
)
PAYMENT_LAG = (
    "Tanbi assumption: utilities reconcile payments monthly (对账) and may report a month's payments "
    "after it closes, so a payment can be 31 days old plus two weeks of settlement when it arrives"
)
BILLING_MONTH = r"^20\d{2}-(0[1-9]|1[0-2])$"


class OnlineBillEvidence(Evidence):
    utility: Literal["electricity", "water", "gas"] = Field(description="what the utility supplies")
    account: str = identifier(
        "utility_account", description="the utility's account number for the supply point (户号)"
    )
    billing_month: str = Field(
        pattern=BILLING_MONTH,
        description="the calendar month the bill is for, YYYY-MM, in the city's time zone",
    )
    paid_at: AwareDatetime = Field(description="when the bill was paid online, with zone")
    amount_fen: int = Field(ge=0, le=10_000_000, description="the amount paid, fen (1 元 = 100 fen)")
    paperless: bool = Field(
        description="true when the utility sent this billing month's bill electronically only (no paper)"
    )


class OnlineBillParams(Conservative):
    paperless_g_per_bill: Decimal = factor(
        "5",
        unit="g CO2 / paperless bill (one account, one billing month)",
        source=PAPERLESS_ASSUMPTION,
        year=2022,
        ge=0,
        le=1000,
    )
    counter_trip_avoided_g: Decimal = factor(
        "0",
        unit="g CO2 / online payment",
        source=COUNTER_TRIP,
        year=2026,
        description="off by default: non-conservative until a city derives and publishes it",
        ge=0,
        le=1000,
    )
    min_amount_fen: int = setting(100, unit="fen", source=ANT_FOREST_UTILITY, year=2022, ge=0, le=100_000)
    monthly_max_bills: int = setting(
        10,
        unit="credited bills / resident / calendar month",
        source=ANT_FOREST_UTILITY,
        year=2022,
        ge=1,
        le=100,
    )
    max_bill_age_months: int = setting(
        2, unit="months from the billing month to the month paid", source=BILL_AGE, year=2026, ge=0, le=12
    )
    stale_days: int = setting(45, unit="days after paid_at", source=PAYMENT_LAG, year=2026, ge=1, le=120)
    future_tolerance_minutes: int = setting(5, unit="minutes", source=TANBI_V2, year=2026, ge=0, le=60)


class OnlineBillV1(BaseMethodology):
    id = "online_bill"
    version = "1.0.0"
    title = "Paperless utility bill paid online (在线缴费)"
    source = "Ant Forest (支付宝蚂蚁森林) green-energy rules, as republished 2022; Tanbi methodologies v2"
    api_version = API_VERSION
    family = "online_payment"
    partner = (
        "electricity / water / gas utility (供电/供水/燃气公司): its billing system confirms the payment "
        "and that the billing month was paperless; Tanbi hashes the account number"
    )
    reasons = {
        "too_small": (
            "缴费金额低于下限（默认 1 元）",
            "the amount paid is below min_amount_fen (default 1 元)",
        ),
        "not_paperless": ("该账单月仍寄送纸质账单", "the billing month's bill was still sent on paper"),
        "in_future": (
            "缴费时间晚于当前时间，或账单月晚于缴费月份",
            "paid after the time of checking, or the billing month starts after the month it was paid",
        ),
        "stale": (
            "上报过晚，或账单月距缴费月份过久",
            "reported more than stale_days after payment, or the billing month is more than "
            "max_bill_age_months before the month it was paid",
        ),
        "duplicate_evidence": (
            "同一户号同一账单月已计入过",
            "the same utility account was credited for this billing month before",
        ),
    }
    example = {
        "utility": "electricity",
        "account": "3602011234567",
        "billing_month": "2026-10",
        "paid_at": "2026-11-05T20:14:03+08:00",
        "amount_fen": 18650,
        "paperless": True,
    }
    Evidence = OnlineBillEvidence
    Params = OnlineBillParams

    @property
    def readme(self) -> str:
        return readme_of("methodologies.online_bill")

    def verify(self, evidence: OnlineBillEvidence, params: OnlineBillParams, context: Context) -> Verdict:
        reasons = window_reasons(
            evidence.paid_at,
            context,
            stale_days=params.stale_days,
            future_minutes=params.future_tolerance_minutes,
        )
        paid = context.local_date(evidence.paid_at)
        age = month_index(paid.year, paid.month) - billing_month_index(evidence.billing_month)
        if age < 0:
            reasons.append("in_future")
        elif age > params.max_bill_age_months:
            reasons.append("stale")
        if evidence.amount_fen < params.min_amount_fen:
            reasons.append("too_small")
        if not evidence.paperless:
            reasons.append("not_paperless")
        return Verdict.of(reasons)

    def quantify(self, evidence: OnlineBillEvidence, params: OnlineBillParams) -> Quantity:
        paperless = Decimal(1) if evidence.paperless else Decimal(0)
        return Quantity.of(
            params.paperless_g_per_bill * paperless + params.counter_trip_avoided_g,
            formula="paperless_g_per_bill x paperless + counter_trip_avoided_g",
            inputs={
                "utility": evidence.utility,
                "billing_month": evidence.billing_month,
                "paperless": paperless,
            },
            factors=(
                named_factor(params, "paperless_g_per_bill"),
                named_factor(params, "counter_trip_avoided_g"),
            ),
            gas="CO2",
            conservativeness=params.conservativeness,
        )

    def occurred_at(self, evidence: OnlineBillEvidence) -> dt.datetime:
        return evidence.paid_at

    def claims(self, evidence: OnlineBillEvidence) -> tuple[Claim, ...]:
        # The account number is the utility's own: the same number at the water and the power company is
        # two accounts.
        return (Claim(f"online_bill:{evidence.utility}:{evidence.account}:{evidence.billing_month}"),)

    def caps(self, evidence: OnlineBillEvidence, params: OnlineBillParams) -> tuple[Cap, ...]:
        return (Cap("monthly_cap", "actions", "month", Decimal(params.monthly_max_bills), Decimal(1)),)


def month_index(year: int, month: int) -> int:
    """Months since year 0, so that consecutive calendar months differ by 1."""
    return year * 12 + month - 1


def billing_month_index(billing_month: str) -> int:
    year, month = billing_month.split("-")
    return month_index(int(year), int(month))
