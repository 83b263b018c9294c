"""rooftop_solar 1.0.0: reduction = (energy_kwh - gec_issued_kwh) x grid_g_per_kwh.

Plausibility: energy <= capacity_kWp x clear-sky POA insolation (kWh/m² at 1 kW/m² STC) x clear_sky_tolerance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import AwareDatetime, Field, model_validator

from methodologies._common.car import GridFactor, grid_factor
from methodologies._common.readme import readme_of
from methodologies._common.sources import TANBI_V1
from methodologies._common.timing import window_reasons
from methodologies._sdk import (
    API_VERSION,
    BaseMethodology,
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

KWH = {"max_digits": 14, "decimal_places": 6}


class PvSystem(Evidence):
    """A registered PV system (the asset rooftop_solar evidence refers to by ``system_id``)."""

    capacity_kwp: Decimal = Field(gt=0, le=1000, max_digits=10, decimal_places=4)
    latitude: float = personal(ge=-90, le=90, description="the site's latitude, degrees")
    longitude: float = personal(ge=-180, le=180, description="the site's longitude, degrees")
    tilt_deg: float = Field(ge=0, le=90)
    azimuth_deg: float = Field(ge=0, lt=360, description="180 = facing south")
    grid_connected_on: dt.date


class GenerationEvidence(Evidence):
    system_id: str = personal(min_length=1, max_length=64, description="the registered system's id")
    period_start: AwareDatetime
    period_end: AwareDatetime
    energy_kwh: Decimal | None = Field(default=None, ge=0, **KWH)
    meter_start_kwh: Decimal | None = Field(default=None, ge=0, **KWH)
    meter_end_kwh: Decimal | None = Field(default=None, ge=0, **KWH)
    gec_issued_kwh: Decimal = Field(
        default=Decimal(0), ge=0, description="already green-certified or CCER", **KWH
    )

    @model_validator(mode="after")
    def _one_way_of_metering(self) -> GenerationEvidence:
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


class RooftopSolarParams(GridFactor):
    clear_sky_tolerance: Decimal = factor(
        "1.05",
        unit="ratio",
        source=TANBI_V1 + "; pvlib Ineichen clear sky, bundled Linke turbidity",
        year=2026,
    )
    max_period_days: int = setting(31, unit="days", source=TANBI_V1, year=2026)
    stale_days: int = setting(30, unit="days after period end", source=TANBI_V1, year=2026)
    future_tolerance_minutes: int = setting(5, unit="minutes", source=TANBI_V1, year=2026)


class RooftopSolarV1(BaseMethodology):
    id = "rooftop_solar"
    version = "1.0.0"
    title = "Rooftop solar generation (屋顶光伏发电)"
    source = "MEE & NBS 2023 grid factors; DB11/T 3043-2024 principles; pvlib clear-sky plausibility"
    api_version = API_VERSION
    family = "low_carbon_community"
    Evidence = GenerationEvidence
    Params = RooftopSolarParams
    asset_kind = "pv_system"
    Asset = PvSystem

    @property
    def readme(self) -> str:
        return readme_of("methodologies.rooftop_solar")

    def verify(self, evidence: GenerationEvidence, params: RooftopSolarParams, context: Context) -> Verdict:
        if evidence.period_end <= evidence.period_start:
            return Verdict.reject("invalid_interval")
        if context.asset is None:
            return Verdict.reject("unregistered_asset")
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
        if not reasons and evidence.generated_kwh > stored_or_computed_limit(context, evidence, params):
            reasons.append("exceeds_clear_sky")
        return Verdict.of(reasons)

    def derived_facts(
        self, evidence: GenerationEvidence, params: RooftopSolarParams, asset: Mapping[str, Any]
    ) -> dict[str, str]:
        """The clear-sky bound of the period at the system's site, kept with the action so that the site's
        coordinates (erased with their owner) are not needed to re-verify it."""
        if evidence.period_end <= evidence.period_start:
            return {}
        limit = _clear_sky_limit(PvSystem.model_validate(asset), evidence, params)
        return {"clear_sky_limit_kwh": str(limit)}

    def quantify(self, evidence: GenerationEvidence, params: RooftopSolarParams) -> Quantity:
        credited_kwh = evidence.generated_kwh - evidence.gec_issued_kwh
        displaced = credited_kwh * params.grid_g_per_kwh
        return Quantity.of(
            displaced,
            baseline=displaced,
            project=Decimal(0),
            formula="(energy_kwh - gec_issued_kwh) x grid_g_per_kwh",
            inputs={"energy_kwh": evidence.generated_kwh, "gec_issued_kwh": evidence.gec_issued_kwh},
            factors=(grid_factor(params),),
        )

    def occurred_at(self, evidence: GenerationEvidence) -> dt.datetime:
        return evidence.period_end

    def occupancy(self, evidence: GenerationEvidence) -> tuple[Occupancy, ...]:
        # A meter period is credited once, whoever reports it: the scope is the system's, not a resident's.
        return (
            Occupancy(
                f"pv:{evidence.system_id}", evidence.period_start, evidence.period_end, per_resident=False
            ),
        )

    def asset_ref(self, evidence: GenerationEvidence) -> str | None:
        return evidence.system_id

    def history_key(self, evidence: GenerationEvidence) -> str | None:
        return f"pv:{evidence.system_id}"


def _meter_reasons(evidence: GenerationEvidence, previous: Any) -> list[str]:
    if evidence.meter_start_kwh is None or evidence.meter_end_kwh is None:
        return []
    if evidence.meter_end_kwh < evidence.meter_start_kwh:
        return ["meter_rollback"]
    last_end = (previous or {}).get("meter_end_kwh")
    if last_end is not None and evidence.meter_start_kwh < Decimal(str(last_end)):
        return ["meter_rollback"]
    return []


def stored_or_computed_limit(
    context: Context, evidence: GenerationEvidence, params: RooftopSolarParams
) -> Decimal:
    """The bound stored with the action (``derived_facts``), or, for an action recorded before bounds were
    stored, the bound worked out from the asset as it was then."""
    stored = context.extra.get("clear_sky_limit_kwh")
    if stored is not None:
        return Decimal(stored)
    return _clear_sky_limit(PvSystem.model_validate(context.asset), evidence, params)


def _clear_sky_limit(system: PvSystem, evidence: GenerationEvidence, params: RooftopSolarParams) -> Decimal:
    insolation = insolation_kwh_per_m2(
        system.latitude,
        system.longitude,
        system.tilt_deg,
        system.azimuth_deg,
        evidence.period_start,
        evidence.period_end,
    )
    return system.capacity_kwp * insolation * params.clear_sky_tolerance
