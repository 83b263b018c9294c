"""rooftop_solar 2.0.0: reduction = (energy_kwh - gec_issued_kwh) x grid_displaced_g_per_kwh x c.

c is the conservativeness factor. Version 2: the system's capacity comes from the installer's or the grid
company's record through a partner, never from the resident; ``gec_issued_kwh`` is required (green
certificates are the sole proof of a renewable kWh's attribute, 发改能源〔2023〕1044号); energy <= capacity x
clear-sky POA insolation x a performance ratio; caps per system per month and per resident per year keep
households in proportion.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import AwareDatetime, Field, model_validator

from methodologies._common.car import GridDisplaced
from methodologies._common.factors import named_factor
from methodologies._common.readme import readme_of
from methodologies._common.sources import TANBI_V1, TANBI_V2
from methodologies._common.timing import window_reasons
from methodologies._sdk import (
    API_VERSION,
    BaseMethodology,
    Cap,
    Conservative,
    Context,
    Evidence,
    Occupancy,
    Quantity,
    Verdict,
    factor,
    personal,
    setting,
)
from methodologies.rooftop_solar.clearsky import insolation_kwh_per_m2
from methodologies.rooftop_solar.v1 import PvSystem, _meter_reasons

KWH = {"max_digits": 14, "decimal_places": 6}
GEC_RULE = "发改能源〔2023〕1044号: the green certificate is the sole proof of a renewable kWh's attribute"
PROPORTION = (
    "Tanbi v2 (methodologies.md, proportion): a household's solar credit stays within what residents' "
    "mobility earns (a private EV ~80 kg CO2 a month, a car-free household at most ~36 kg); 50 kg is ~95 kWh "
    "at 527.1 g/kWh, a fifth of a 5 kWp roof's summer month"
)


class GenerationEvidenceV2(Evidence):
    system_id: str = personal(
        min_length=1, max_length=64, description="the partner's id of the registered system"
    )
    period_start: AwareDatetime
    period_end: AwareDatetime
    energy_kwh: Decimal | None = Field(default=None, ge=0, description="meter delta, kWh", **KWH)
    meter_start_kwh: Decimal | None = Field(default=None, ge=0, description="cumulative reading, kWh", **KWH)
    meter_end_kwh: Decimal | None = Field(default=None, ge=0, description="cumulative reading, kWh", **KWH)
    gec_issued_kwh: Decimal = Field(
        ge=0,
        description="kWh of the period already issued green certificates (绿证) or sold as CCER; 0 must be "
        "stated",
        **KWH,
    )

    @model_validator(mode="after")
    def _one_way_of_metering(self) -> GenerationEvidenceV2:
        cumulative = self.meter_start_kwh is not None and self.meter_end_kwh is not None
        if (self.energy_kwh is None) == (not cumulative):
            raise ValueError("give either energy_kwh or both meter_start_kwh and meter_end_kwh")
        return self

    @property
    def generated_kwh(self) -> Decimal:
        if self.energy_kwh is not None:
            return self.energy_kwh
        assert self.meter_end_kwh is not None
        assert self.meter_start_kwh is not None
        return self.meter_end_kwh - self.meter_start_kwh


class RooftopSolarParamsV2(GridDisplaced, Conservative):
    performance_ratio: Decimal = factor(
        "0.85",
        unit="ratio",
        source=TANBI_V2 + "; clear sky is already an upper bound, a performance ratio of 0.85 on top of it",
        year=2026,
        gt=0,
        le=1,
    )
    max_period_days: int = setting(31, unit="days", source=TANBI_V1, year=2026, ge=1, le=31)
    stale_days: int = setting(30, unit="days after period end", source=TANBI_V1, year=2026, ge=1)
    future_tolerance_minutes: int = setting(5, unit="minutes", source=TANBI_V1, year=2026, ge=0)
    system_monthly_max_grams: int = setting(
        50_000, unit="g CO2 / system / calendar month", source=PROPORTION, year=2026, gt=0
    )
    resident_yearly_max_grams: int = setting(
        400_000, unit="g CO2 / resident / calendar year", source=PROPORTION, year=2026, gt=0
    )


class RooftopSolarV2(BaseMethodology):
    id = "rooftop_solar"
    version = "2.0.0"
    title = "Rooftop solar generation (屋顶光伏发电)"
    source = "MEE & NBS 2023 grid factors; 发改能源〔2023〕1044号; DB11/T 3043-2024; pvlib clear-sky bound"
    api_version = API_VERSION
    family = "low_carbon_community"
    Evidence = GenerationEvidenceV2
    Params = RooftopSolarParamsV2
    asset_kind = "pv_system"
    Asset = PvSystem
    asset_registrar = "partner"
    partner = (
        "the installer or the grid company (光伏安装商 / 供电公司): registers the system from its own "
        "record, then reports its metered generation"
    )
    reasons = {
        "unverified_asset": (
            "光伏系统信息须来自安装商或电网企业的登记，不能由居民自行填报",
            "the system's record must come from its installer or the grid company, not the resident",
        ),
        "period_too_long": ("计量周期超过上限", "the metering period is longer than the maximum"),
        "before_grid_connection": ("计量周期早于并网日期", "the period starts before grid connection"),
        "meter_rollback": ("电表读数倒退", "the meter readings go backwards"),
        "gec_exceeds_generation": ("绿证电量超过发电量", "more kWh certified than generated"),
        "exceeds_clear_sky": (
            "发电量超过晴空辐照 × 系统效率的上限",
            "more energy than clear-sky insolation x performance ratio allows",
        ),
    }
    example = {
        "system_id": "JXPV-2025-0042",
        "period_start": "2026-11-09T00:00:00+08:00",
        "period_end": "2026-11-16T00:00:00+08:00",
        "meter_start_kwh": "10412.300",
        "meter_end_kwh": "10498.900",
        "gec_issued_kwh": "0",
    }

    @property
    def readme(self) -> str:
        return readme_of("methodologies.rooftop_solar")

    def verify(
        self, evidence: GenerationEvidenceV2, params: RooftopSolarParamsV2, context: Context
    ) -> Verdict:
        if evidence.period_end <= evidence.period_start:
            return Verdict.reject("invalid_interval")
        if context.asset is None:
            return Verdict.reject("unregistered_asset")
        if context.asset_source != "partner":
            return Verdict.reject("unverified_asset")
        connected = dt.date.fromisoformat(str(context.asset["grid_connected_on"]))
        reasons = window_reasons(
            evidence.period_end,
            context,
            stale_days=params.stale_days,
            future_minutes=params.future_tolerance_minutes,
        )
        if evidence.period_end - evidence.period_start > dt.timedelta(days=params.max_period_days):
            reasons.append("period_too_long")
        if context.local_date(evidence.period_start) < connected:
            reasons.append("before_grid_connection")
        reasons += _meter_reasons(evidence, context.previous)
        if evidence.gec_issued_kwh > evidence.generated_kwh:
            reasons.append("gec_exceeds_generation")
        if not reasons and evidence.generated_kwh > _limit(context, evidence, params):
            reasons.append("exceeds_clear_sky")
        return Verdict.of(reasons)

    def derived_facts(
        self, evidence: GenerationEvidenceV2, params: RooftopSolarParamsV2, asset: Mapping[str, Any]
    ) -> dict[str, str]:
        """The clear-sky bound of the period at the system's site: what ``verify`` compares with, kept with
        the credit so that the site's coordinates are not needed to re-verify it."""
        if evidence.period_end <= evidence.period_start:
            return {}
        system = PvSystem.model_validate(asset)
        return {"clear_sky_limit_kwh": str(clear_sky_limit(system, evidence, params))}

    def quantify(self, evidence: GenerationEvidenceV2, params: RooftopSolarParamsV2) -> Quantity:
        credited_kwh = evidence.generated_kwh - evidence.gec_issued_kwh
        displaced = credited_kwh * params.grid_displaced_g_per_kwh
        return Quantity.of(
            displaced,
            baseline=displaced,
            project=Decimal(0),
            formula="(energy_kwh - gec_issued_kwh) x grid_displaced_g_per_kwh",
            inputs={"energy_kwh": evidence.generated_kwh, "gec_issued_kwh": evidence.gec_issued_kwh},
            factors=(named_factor(params, "grid_displaced_g_per_kwh"),),
            gas="CO2",
            conservativeness=params.conservativeness,
        )

    def occurred_at(self, evidence: GenerationEvidenceV2) -> dt.datetime:
        return evidence.period_end

    def occupancy(self, evidence: GenerationEvidenceV2) -> tuple[Occupancy, ...]:
        # A meter period is credited once, whoever reports it: the scope is the system's, not a resident's.
        return (
            Occupancy(
                f"pv:{evidence.system_id}", evidence.period_start, evidence.period_end, per_resident=False
            ),
        )

    def caps(self, evidence: GenerationEvidenceV2, params: RooftopSolarParamsV2) -> tuple[Cap, ...]:
        return (
            Cap(
                "monthly_cap",
                "grams",
                "month",
                Decimal(params.system_monthly_max_grams),
                scope=f"pv:{evidence.system_id}",
                per_resident=False,
                clip=True,
            ),
            Cap("yearly_cap", "grams", "year", Decimal(params.resident_yearly_max_grams), clip=True),
        )

    def asset_ref(self, evidence: GenerationEvidenceV2) -> str | None:
        return evidence.system_id

    def history_key(self, evidence: GenerationEvidenceV2) -> str | None:
        return f"pv:{evidence.system_id}"


def _limit(context: Context, evidence: GenerationEvidenceV2, params: RooftopSolarParamsV2) -> Decimal:
    """The bound stored with the action, or for one recorded before bounds were stored, worked out from
    the asset as it was then."""
    stored = context.extra.get("clear_sky_limit_kwh")
    if stored is not None:
        return Decimal(stored)
    return clear_sky_limit(PvSystem.model_validate(context.asset), evidence, params)


def clear_sky_limit(system: PvSystem, evidence: Any, params: RooftopSolarParamsV2) -> Decimal:
    """capacity_kwp x clear-sky plane-of-array insolation over the period (kWh/m²) x performance_ratio."""
    insolation = insolation_kwh_per_m2(
        system.latitude,
        system.longitude,
        system.tilt_deg,
        system.azimuth_deg,
        evidence.period_start,
        evidence.period_end,
    )
    return system.capacity_kwp * insolation * params.performance_ratio
