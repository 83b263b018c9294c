"""household_power_saving 1.0.0: a household used less grid electricity in a month than its own past.

B          = min(kWh of the same month last year, mean kWh of the 12 months before)
saving_kwh = min(B - kwh, max_saving_ratio x B), never below 0
reduction  = saving_kwh x grid_displaced_g_per_kwh                                (x conservativeness)

The grid company reports the month's metered consumption with the 12 months before it. Households with
distributed PV or billed at the third tier of the tiered tariff are not eligible (as Shanghai's
SHCER02010022024II); a month far below the baseline is an empty home, not a saving.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from methodologies._common.car import GridDisplaced
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

SHANGHAI_RESIDENTIAL_POWER = (
    "上海市碳普惠减排场景方法学 居民低碳用电 (SHCER02010022024II), 2024-03, §1 适用条件: households whose "
    "consumption reaches the third tier (第三档) of the residential tiered tariff, or with distributed PV "
    "(分布式光伏), are not eligible"
)
SAVING_CEILING = (
    "Tanbi methodologies v2 assumption (methodologies.md): a month's saving counts up to 30 % of the "
    "household's own baseline; a larger drop is more likely absence, a meter change or a shifted reading "
    "date than changed habits"
)
VACANCY = (
    "Tanbi methodologies v2 assumption (methodologies.md): a month below 20 % of the baseline is an empty "
    "home (travel, a second home, a move), not a saving"
)
MONTHLY_READING = (
    "Tanbi assumption: the grid company reads meters and bills monthly, in the first days of the next "
    "month, and reports in monthly batches; 60 days after the month ends allows one missed batch and "
    "still refuses old months"
)
ONE_HOUSEHOLD = (
    "Tanbi assumption: a resident is credited for one household's saving a month; a second account (a "
    "second home, a flat let to others) saves by someone else's habits or by standing empty"
)

MONTH = r"^20\d{2}-(0[1-9]|1[0-2])$"
HISTORY_MONTHS = 12  # the evidence carries the 12 months before the credited month, no more
KWH = {"ge": 0, "le": 100_000, "max_digits": 9, "decimal_places": 3}


class MonthlyUse(BaseModel):
    """One earlier month's metered consumption."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    month: str = Field(pattern=MONTH, description="the month, YYYY-MM, in the city's time zone")
    kwh: Decimal = Field(description="that month's metered consumption, kWh", **KWH)


class PowerSavingEvidence(Evidence):
    account: str = identifier(
        "power_account", description="the grid company's electricity account number (户号)"
    )
    month: str = Field(pattern=MONTH, description="the month credited, YYYY-MM, in the city's time zone")
    kwh: Decimal = Field(description="the month's metered consumption, kWh", **KWH)
    previous_months: list[MonthlyUse] = Field(
        max_length=HISTORY_MONTHS,
        description="the metered consumption of each of the 12 months before `month`, as {month, kwh} "
        "(any order, each month once); a missing month makes the evidence insufficient_history",
    )
    has_pv: bool = Field(description="true when distributed PV (分布式光伏) is connected on the account")
    tariff_tier: int = Field(
        ge=1,
        le=3,
        description="the tier of the residential tiered tariff (阶梯电价 档) the account is billed at for "
        "`month`, as the grid company bills it: 1, 2 or 3",
    )

    @model_validator(mode="after")
    def _history_is_the_months_before(self) -> PowerSavingEvidence:
        first = month_index(self.month) - HISTORY_MONTHS
        seen: set[int] = set()
        for entry in self.previous_months:
            index = month_index(entry.month)
            if not first <= index < first + HISTORY_MONTHS:
                raise ValueError(
                    f"previous_months: {entry.month} is not one of the 12 months before {self.month}"
                )
            if index in seen:
                raise ValueError(f"previous_months: {entry.month} is given twice")
            seen.add(index)
        return self


class PowerSavingParams(GridDisplaced, Conservative):
    max_saving_ratio: Decimal = factor(
        "0.30", unit="ratio of the baseline", source=SAVING_CEILING, year=2026, gt=0, le=1
    )
    vacant_ratio: Decimal = factor(
        "0.20", unit="ratio of the baseline", source=VACANCY, year=2026, ge=0, lt=1
    )
    max_eligible_tier: int = setting(
        2, unit="tiered-tariff tier (阶梯电价 档)", source=SHANGHAI_RESIDENTIAL_POWER, year=2024, ge=1, le=3
    )
    monthly_max_accounts: int = setting(
        1, unit="credited accounts / resident / calendar month", source=ONE_HOUSEHOLD, year=2026, ge=1, le=12
    )
    stale_days: int = setting(
        60, unit="days after the month ends", source=MONTHLY_READING, year=2026, ge=1, le=366
    )
    future_tolerance_minutes: int = setting(5, unit="minutes", source=TANBI_V2, year=2026, ge=0, le=60)


@dataclass(frozen=True)
class Baseline:
    """The household's own baseline: the lower of the same month last year and the trailing mean."""

    same_month_last_year_kwh: Decimal | None
    trailing_mean_kwh: Decimal | None
    months: int

    @property
    def kwh(self) -> Decimal:
        known = [v for v in (self.same_month_last_year_kwh, self.trailing_mean_kwh) if v is not None]
        return min(known) if known else Decimal(0)


def baseline_of(evidence: PowerSavingEvidence) -> Baseline:
    """B from the months given; with missing months (rejected evidence) from those that are there."""
    by_month = {month_index(entry.month): entry.kwh for entry in evidence.previous_months}
    same = by_month.get(month_index(evidence.month) - 12)
    mean = sum(by_month.values(), Decimal(0)) / len(by_month) if by_month else None
    return Baseline(same, mean, len(by_month))


class HouseholdPowerSavingV1(BaseMethodology):
    id = "household_power_saving"
    version = "1.0.0"
    title = "Household electricity saving (居民节约用电)"
    source = (
        "上海市碳普惠减排场景方法学 居民低碳用电 SHCER02010022024II (2024) eligibility; MEE & NBS 2023 grid "
        "factors; Tanbi methodologies v2"
    )
    api_version = API_VERSION
    family = "low_carbon_community"
    partner = (
        "grid company (供电公司, e.g. State Grid Jiangxi 国网江西省电力): its billing system reports the "
        "month's metered consumption with the 12 months before; Tanbi hashes the account number"
    )
    reasons = {
        "not_eligible": (
            "已接入分布式光伏，或当月执行第三档阶梯电价的居民户不适用",
            "households with distributed PV, or billed at the third tier of the tiered tariff that month, "
            "are not eligible",
        ),
        "insufficient_history": (
            "缺少前 12 个月中某月的用电量",
            "the consumption of one of the 12 months before is missing",
        ),
        "vacant": (
            "当月用电量低于基准的 20%，视为房屋空置而非节电",
            "the month's consumption is below vacant_ratio (20 %) of the baseline: an empty home, "
            "not a saving",
        ),
        "in_future": ("该月尚未结束", "the month is not over at the time of checking"),
        "stale": ("该月结束已超过 60 天", "reported more than stale_days (60) after the month ended"),
        "duplicate_evidence": (
            "同一户号同一月份已计入过",
            "the same electricity account was credited for this month before",
        ),
        "monthly_cap": (
            "本月已为该居民计入一户的节电",
            "one household's saving was already credited to this resident this month",
        ),
    }
    example = {
        "account": "3601001234567",
        "month": "2026-10",
        "kwh": "210",
        "previous_months": [
            {"month": "2025-10", "kwh": "260"},
            {"month": "2025-11", "kwh": "220"},
            {"month": "2025-12", "kwh": "260"},
            {"month": "2026-01", "kwh": "300"},
            {"month": "2026-02", "kwh": "280"},
            {"month": "2026-03", "kwh": "210"},
            {"month": "2026-04", "kwh": "190"},
            {"month": "2026-05", "kwh": "200"},
            {"month": "2026-06", "kwh": "260"},
            {"month": "2026-07", "kwh": "330"},
            {"month": "2026-08", "kwh": "340"},
            {"month": "2026-09", "kwh": "150"},
        ],
        "has_pv": False,
        "tariff_tier": 1,
    }
    Evidence = PowerSavingEvidence
    Params = PowerSavingParams

    @property
    def readme(self) -> str:
        return readme_of("methodologies.household_power_saving")

    def verify(self, evidence: PowerSavingEvidence, params: PowerSavingParams, context: Context) -> Verdict:
        # A month is judged once it is over: the window runs from its end, in the city's zone.
        reasons = window_reasons(
            month_end(evidence.month, context.zone),
            context,
            stale_days=params.stale_days,
            future_minutes=params.future_tolerance_minutes,
        )
        if evidence.has_pv or evidence.tariff_tier > params.max_eligible_tier:
            reasons.append("not_eligible")
        if len(evidence.previous_months) < HISTORY_MONTHS:
            reasons.append("insufficient_history")
        elif evidence.kwh < params.vacant_ratio * baseline_of(evidence).kwh:
            reasons.append("vacant")
        return Verdict.of(reasons)

    def quantify(self, evidence: PowerSavingEvidence, params: PowerSavingParams) -> Quantity:
        base = baseline_of(evidence)
        b = base.kwh
        ceiling = params.max_saving_ratio * b
        saving = max(min(b - evidence.kwh, ceiling), Decimal(0))
        grid = params.grid_displaced_g_per_kwh
        return Quantity.of(
            saving * grid,
            baseline=b * grid,
            # the month's consumption, counted no lower than the ceiling allows: baseline - project = saving
            project=(b - saving) * grid,
            formula="min(B - kwh, max_saving_ratio x B) x grid_displaced_g_per_kwh, never below 0; "
            "B = min(same month last year, mean of the 12 months before)",
            inputs={
                "month": evidence.month,
                "kwh": evidence.kwh,
                "months_of_history": str(base.months),
                "same_month_last_year_kwh": _or_missing(base.same_month_last_year_kwh),
                "trailing_mean_kwh": _or_missing(base.trailing_mean_kwh),
                "baseline_kwh": b,
                "ceiling_kwh": ceiling,
                "saving_kwh": saving,
            },
            factors=(
                named_factor(params, "max_saving_ratio"),
                named_factor(params, "grid_displaced_g_per_kwh"),
            ),
            gas="CO2",
            conservativeness=params.conservativeness,
        )

    def occurred_at(self, evidence: PowerSavingEvidence) -> dt.datetime:
        # The 15th at 04:00 UTC (noon in China) lies inside the month in every zone from UTC-12 to UTC+14,
        # so the month's cap period and the parameter version in force mid-month are picked whatever the
        # city's zone; the month's start or end would fall in the neighbouring month in some zones.
        year, number = divmod(month_index(evidence.month), 12)
        return dt.datetime(year, number + 1, 15, 4, 0, tzinfo=dt.UTC)

    def claims(self, evidence: PowerSavingEvidence) -> tuple[Claim, ...]:
        return (Claim(f"household_power_saving:{evidence.account}:{evidence.month}"),)

    def caps(self, evidence: PowerSavingEvidence, params: PowerSavingParams) -> tuple[Cap, ...]:
        return (Cap("monthly_cap", "actions", "month", Decimal(params.monthly_max_accounts), Decimal(1)),)


def month_index(month: str) -> int:
    """Months since year 0 of a ``YYYY-MM`` string (consecutive months differ by 1)."""
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def month_end(month: str, zone: ZoneInfo) -> dt.datetime:
    """The first instant after ``month`` in ``zone`` (00:00 on the 1st of the next month)."""
    year, number = divmod(month_index(month) + 1, 12)
    return dt.datetime(year, number + 1, 1, tzinfo=zone)


def _or_missing(value: Decimal | None) -> Decimal | str:
    return "missing" if value is None else value
