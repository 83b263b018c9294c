"""ev_charging 2.0.0.

km        = energy_kwh / (ev_kwh_per_100km / 100)
reduction = km x car_g_per_vkm - energy_kwh x grid_consumed_g_per_kwh      (x conservativeness)

Version 2: only a stated private car is eligible (a missing ``vehicle_kind`` is ``not_eligible``: taxis are
not residents' private cars); an EVSE charges one car at a time, whoever reports it; daily and monthly kWh
caps sized for a private car; China's inventory gasoline factor and the higher grid factor for the
electricity consumed; one crediting route per EV per month (``ev_route``: charging or odometer).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, Field

from methodologies._common.car import CarBaselineV2, GridConsumed, car_factors, car_g_per_vkm
from methodologies._common.exclusive import ev_route
from methodologies._common.factors import named_factor
from methodologies._common.readme import readme_of
from methodologies._common.sources import TANBI_V1, TANBI_V2
from methodologies._common.timing import hours_between, window_reasons
from methodologies._sdk import (
    API_VERSION,
    BaseMethodology,
    Cap,
    Claim,
    Conservative,
    Context,
    Evidence,
    Exclusive,
    FactorUsed,
    Occupancy,
    Quantity,
    Verdict,
    factor,
    personal,
    setting,
)
from methodologies.ev_charging.v1 import OCPI_TOLERANCE, operator_of

VEHICLE_KINDS = Literal["private_car", "taxi", "ride_hailing", "bus", "truck", "other"]
PRIVATE_CAR_SIZING = (
    "Tanbi v2: the most a private car plausibly charges for its own driving: 500 km a day and 2,000 km a "
    "month (nev_driving's limits) at 16 kWh/100 km"
)


class ChargingEvidenceV2(Evidence):
    session_id: str = personal(min_length=1, max_length=64, description="operator's session id (OCPI CDR id)")
    started_at: AwareDatetime
    ended_at: AwareDatetime
    energy_kwh: Decimal = Field(gt=0, le=1000, max_digits=12, decimal_places=6, description="kWh charged")
    max_power_kw: Decimal = Field(gt=0, le=1000, max_digits=10, decimal_places=4, description="EVSE kW")
    evse_id: str = personal(min_length=1, max_length=64, description="EVSE id, e.g. CN*TNB*E0001")
    vehicle_kind: VEHICLE_KINDS | None = Field(
        default=None, description="what the partner knows the car to be; only private_car is eligible"
    )


class EvChargingParamsV2(CarBaselineV2, GridConsumed, Conservative):
    ev_kwh_per_100km: Decimal = factor(
        "16.0",
        unit="kWh / 100 vkm",
        source="Tanbi v1 assumption: compact EV at the plug incl. losses",
        year=2026,
        gt=0,
    )
    power_tolerance: Decimal = factor("1.10", unit="ratio", source=OCPI_TOLERANCE, year=2026, ge=1)
    min_energy_kwh: Decimal = factor("0.5", unit="kWh", source=TANBI_V1, year=2026, ge=0)
    max_duration_hours: int = setting(24, unit="h", source=TANBI_V1, year=2026, ge=1)
    daily_max_kwh: Decimal = factor(
        "80", unit="kWh / resident / local day", source=PRIVATE_CAR_SIZING, year=2026, gt=0
    )
    monthly_max_kwh: Decimal = factor(
        "320", unit="kWh / resident / calendar month", source=PRIVATE_CAR_SIZING, year=2026, gt=0
    )
    stale_days: int = setting(30, unit="days", source=TANBI_V2, year=2026, ge=1)
    future_tolerance_minutes: int = setting(5, unit="minutes", source=TANBI_V1, year=2026, ge=0)


class EvChargingV2(BaseMethodology):
    id = "ev_charging"
    version = "2.0.0"
    title = "EV charging (新能源汽车充电)"
    source = "China inventory gasoline defaults; MEE & NBS 2023 grid factors; DB11/T 3043-2024 principles"
    api_version = API_VERSION
    family = "new_energy_vehicles"
    Evidence = ChargingEvidenceV2
    Params = EvChargingParamsV2
    partner = (
        "charge-point operator (充电运营商): a charging session's record, by webhook or as an OCPI 2.2.1 CDR"
    )
    reasons = {
        "not_eligible": (
            "未说明为私家车（出租车、网约车等不计入）",
            "not stated to be a private car (taxis, ride-hailing and others are not credited)",
        ),
        "too_small": ("充电量低于下限", "less energy than the minimum"),
        "too_long": ("充电时长超过上限", "longer than the maximum duration"),
        "implausible_energy": ("充电量超过充电桩功率所能提供", "more energy than the EVSE can deliver"),
        "evse_overlap": (
            "同一充电桩同时段已有其他充电记录",
            "another session on the same EVSE overlaps it, whoever reported it",
        ),
    }
    example = {
        "session_id": "SESS-20261119-0042",
        "started_at": "2026-11-19T19:02:00+08:00",
        "ended_at": "2026-11-19T23:40:00+08:00",
        "energy_kwh": "30.0",
        "max_power_kw": "7.0",
        "evse_id": "CN*TNB*E0001",
        "vehicle_kind": "private_car",
    }

    @property
    def readme(self) -> str:
        return readme_of("methodologies.ev_charging")

    def verify(self, evidence: ChargingEvidenceV2, params: EvChargingParamsV2, context: Context) -> Verdict:
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

    def quantify(self, evidence: ChargingEvidenceV2, params: EvChargingParamsV2) -> Quantity:
        km = evidence.energy_kwh / (params.ev_kwh_per_100km / 100)
        baseline = km * car_g_per_vkm(params)
        project = evidence.energy_kwh * params.grid_consumed_g_per_kwh
        return Quantity.of(
            baseline - project,
            baseline=baseline,
            project=project,
            formula=(
                "energy_kwh / (ev_kwh_per_100km / 100) x car_g_per_vkm - energy_kwh x grid_consumed_g_per_kwh"
            ),
            inputs={"energy_kwh": evidence.energy_kwh, "km": km},
            factors=(
                FactorUsed(
                    "ev_kwh_per_100km",
                    params.ev_kwh_per_100km,
                    "kWh / 100 vkm",
                    params.meta("ev_kwh_per_100km")["source"],
                ),
                *car_factors(params),
                named_factor(params, "grid_consumed_g_per_kwh"),
            ),
            gas="CO2",
            conservativeness=params.conservativeness,
        )

    def occurred_at(self, evidence: ChargingEvidenceV2) -> dt.datetime:
        return evidence.started_at

    def occupancy(self, evidence: ChargingEvidenceV2) -> tuple[Occupancy, ...]:
        # The resident charges one car at a time; the EVSE charges one car at a time, whoever reports it.
        return (
            Occupancy("charging", evidence.started_at, evidence.ended_at),
            Occupancy(
                f"evse:{evidence.evse_id.upper()}",
                evidence.started_at,
                evidence.ended_at,
                per_resident=False,
                reason="evse_overlap",
            ),
        )

    def claims(self, evidence: ChargingEvidenceV2) -> tuple[Claim, ...]:
        return (Claim(f"ev_charging:{operator_of(evidence.evse_id)}:{evidence.session_id}"),)

    def caps(self, evidence: ChargingEvidenceV2, params: EvChargingParamsV2) -> tuple[Cap, ...]:
        return (
            Cap("daily_cap", "energy_kwh", "day", params.daily_max_kwh, evidence.energy_kwh),
            Cap("monthly_cap", "energy_kwh", "month", params.monthly_max_kwh, evidence.energy_kwh),
        )

    def exclusive(self, evidence: ChargingEvidenceV2, params: EvChargingParamsV2) -> tuple[Exclusive, ...]:
        return (ev_route("charging"),)
