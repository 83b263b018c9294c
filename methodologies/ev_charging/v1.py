"""ev_charging 1.0.0.

km = energy_kwh / (ev_kwh_per_100km / 100)
reduction = km x car_g_per_vkm - energy_kwh x grid_g_per_kwh   (per vehicle-km: it is the same car's driving)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, Field

from methodologies._common.car import CarBaseline, GridFactor, car_factors, car_g_per_vkm, grid_factor
from methodologies._common.readme import readme_of
from methodologies._common.sources import TANBI_V1
from methodologies._common.timing import hours_between, window_reasons
from methodologies._sdk import (
    API_VERSION,
    BaseMethodology,
    Cap,
    Claim,
    Context,
    Evidence,
    FactorUsed,
    Occupancy,
    Quantity,
    Verdict,
    factor,
    personal,
    setting,
)

OCPI_TOLERANCE = (
    "Tanbi v1: the OCPI 2.2.1 example CDR itself averages 7.78 kW on a 7.36 kW AC connector, "
    "so keep a tolerance"
)


class ChargingEvidence(Evidence):
    session_id: str = personal(min_length=1, max_length=64, description="operator's session id (OCPI CDR id)")
    started_at: AwareDatetime
    ended_at: AwareDatetime
    energy_kwh: Decimal = Field(gt=0, le=1000, max_digits=12, decimal_places=6)
    max_power_kw: Decimal = Field(gt=0, le=1000, max_digits=10, decimal_places=4, description="EVSE rating")
    evse_id: str = personal(min_length=1, max_length=64, description="EVSE id, e.g. BE*BEC*E041503001")
    vehicle_kind: Literal["private_car", "taxi", "ride_hailing", "bus", "truck", "other"] = "private_car"


class EvChargingParams(CarBaseline, GridFactor):
    ev_kwh_per_100km: Decimal = factor(
        "16.0",
        unit="kWh / 100 vkm",
        source="Tanbi v1 assumption: compact EV at the plug incl. losses",
        year=2026,
    )
    power_tolerance: Decimal = factor("1.10", unit="ratio", source=OCPI_TOLERANCE, year=2026)
    min_energy_kwh: Decimal = factor("0.5", unit="kWh", source=TANBI_V1, year=2026)
    max_duration_hours: int = setting(24, unit="h", source=TANBI_V1, year=2026)
    daily_max_kwh: Decimal = factor("120", unit="kWh / resident / local day", source=TANBI_V1, year=2026)
    stale_days: int = setting(30, unit="days", source=TANBI_V1, year=2026)
    future_tolerance_minutes: int = setting(5, unit="minutes", source=TANBI_V1, year=2026)


class EvChargingV1(BaseMethodology):
    id = "ev_charging"
    version = "1.0.0"
    title = "EV charging (新能源汽车充电)"
    source = "IPCC 2006 gasoline defaults; MEE & NBS 2023 grid factors; DB11/T 3043-2024 principles"
    api_version = API_VERSION
    family = "new_energy_vehicles"
    Evidence = ChargingEvidence
    Params = EvChargingParams

    @property
    def readme(self) -> str:
        return readme_of("methodologies.ev_charging")

    def verify(self, evidence: ChargingEvidence, params: EvChargingParams, context: Context) -> Verdict:
        if evidence.ended_at <= evidence.started_at:
            return Verdict.reject("invalid_interval")
        reasons = window_reasons(
            evidence.started_at,
            context,
            stale_days=params.stale_days,
            future_minutes=params.future_tolerance_minutes,
        )
        hours = hours_between(evidence.started_at, evidence.ended_at)
        if evidence.vehicle_kind != "private_car":
            reasons.append("not_eligible")
        if evidence.energy_kwh < params.min_energy_kwh:
            reasons.append("too_small")
        if hours > params.max_duration_hours:
            reasons.append("too_long")
        if evidence.energy_kwh > evidence.max_power_kw * hours * params.power_tolerance:
            reasons.append("implausible_energy")
        return Verdict.of(reasons)

    def quantify(self, evidence: ChargingEvidence, params: EvChargingParams) -> Quantity:
        km = evidence.energy_kwh / (params.ev_kwh_per_100km / 100)
        baseline = km * car_g_per_vkm(params)
        project = evidence.energy_kwh * params.grid_g_per_kwh
        return Quantity.of(
            baseline - project,
            baseline=baseline,
            project=project,
            formula="energy_kwh / (ev_kwh_per_100km / 100) x car_g_per_vkm - energy_kwh x grid_g_per_kwh",
            inputs={"energy_kwh": evidence.energy_kwh, "km": km},
            factors=(
                FactorUsed(
                    "ev_kwh_per_100km",
                    params.ev_kwh_per_100km,
                    "kWh / 100 vkm",
                    params.meta("ev_kwh_per_100km")["source"],
                ),
                *car_factors(params),
                grid_factor(params),
            ),
        )

    def occurred_at(self, evidence: ChargingEvidence) -> dt.datetime:
        return evidence.started_at

    def occupancy(self, evidence: ChargingEvidence) -> tuple[Occupancy, ...]:
        return (Occupancy("charging", evidence.started_at, evidence.ended_at),)

    def claims(self, evidence: ChargingEvidence) -> tuple[Claim, ...]:
        return (Claim(f"ev_charging:{operator_of(evidence.evse_id)}:{evidence.session_id}"),)

    def caps(self, evidence: ChargingEvidence, params: EvChargingParams) -> tuple[Cap, ...]:
        return (Cap("daily_cap", "energy_kwh", "day", params.daily_max_kwh, evidence.energy_kwh),)


def operator_of(evse_id: str) -> str:
    """The charge-point operator in an EVSE id ("BE*BEC*E041503001" -> "BE*BEC"); the id itself otherwise."""
    parts = evse_id.upper().replace("-", "*").split("*")
    return "*".join(parts[:2]) if len(parts) >= 3 else evse_id.upper()
