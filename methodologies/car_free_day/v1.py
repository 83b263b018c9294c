"""car_free_day 1.0.0: reduction = car_daily_vkm x car_g_per_vkm when the odometer moved <= 1 km that day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import Field

from methodologies._common.car import CarBaseline, car_factors, car_g_per_vkm
from methodologies._common.readme import readme_of
from methodologies._common.sources import TANBI_V1
from methodologies._sdk import (
    API_VERSION,
    BaseMethodology,
    Cap,
    Claim,
    Context,
    Evidence,
    FactorUsed,
    Quantity,
    Verdict,
    factor,
    personal,
    setting,
)


class CarFreeDayEvidence(Evidence):
    vehicle_ref: str = personal(min_length=8, max_length=128, description="the partner's hash of the plate")
    fuel: Literal["gasoline", "diesel", "electric", "plug_in_hybrid", "hybrid", "other"]
    date: dt.date = Field(description="the local calendar day the car stayed parked")
    odometer_start_km: Decimal = Field(ge=0, le=10_000_000, max_digits=12, decimal_places=3)
    odometer_end_km: Decimal = Field(ge=0, le=10_000_000, max_digits=12, decimal_places=3)


class CarFreeDayParams(CarBaseline):
    car_daily_vkm: Decimal = factor(
        "30",
        unit="vkm / day",
        source="Tanbi v1 assumption: average daily driving of an in-use private car",
        year=2026,
    )
    parked_tolerance_km: Decimal = factor("1", unit="km", source=TANBI_V1, year=2026)
    monthly_max_days: int = setting(
        8, unit="credited days / vehicle / calendar month", source=TANBI_V1, year=2026
    )


ELIGIBLE_FUELS = ("gasoline", "diesel")


class CarFreeDayV1(BaseMethodology):
    id = "car_free_day"
    version = "1.0.0"
    title = "Car-free day (燃油车停驶)"
    source = "IPCC 2006 gasoline defaults; DB11/T 3043-2024 principles"
    api_version = API_VERSION
    family = "fuel_car_parked"
    Evidence = CarFreeDayEvidence
    Params = CarFreeDayParams

    @property
    def readme(self) -> str:
        return readme_of("methodologies.car_free_day")

    def verify(self, evidence: CarFreeDayEvidence, params: CarFreeDayParams, context: Context) -> Verdict:
        reasons = []
        if evidence.date > context.local_date(context.now):
            reasons.append("in_future")
        if evidence.fuel not in ELIGIBLE_FUELS:
            reasons.append("not_eligible")
        if evidence.odometer_end_km < evidence.odometer_start_km:
            reasons.append("meter_rollback")
        elif evidence.odometer_end_km - evidence.odometer_start_km > params.parked_tolerance_km:
            reasons.append("driven")
        return Verdict.of(reasons)

    def quantify(self, evidence: CarFreeDayEvidence, params: CarFreeDayParams) -> Quantity:
        baseline = params.car_daily_vkm * car_g_per_vkm(params)
        return Quantity.of(
            baseline,
            baseline=baseline,
            project=Decimal(0),
            formula="car_daily_vkm x car_g_per_vkm",
            inputs={"date": evidence.date.isoformat()},
            factors=(
                FactorUsed(
                    "car_daily_vkm", params.car_daily_vkm, "vkm / day", params.meta("car_daily_vkm")["source"]
                ),
                *car_factors(params),
            ),
        )

    def occurred_at(self, evidence: CarFreeDayEvidence) -> dt.datetime:
        # 04:00 UTC is noon in China Standard Time: inside the local day for any zone within +-8 h of it.
        return dt.datetime.combine(evidence.date, dt.time(4, 0), tzinfo=dt.UTC)

    def claims(self, evidence: CarFreeDayEvidence) -> tuple[Claim, ...]:
        return (Claim(f"car_free_day:{evidence.vehicle_ref}:{evidence.date.isoformat()}"),)

    def caps(self, evidence: CarFreeDayEvidence, params: CarFreeDayParams) -> tuple[Cap, ...]:
        return (
            Cap(
                "monthly_cap",
                "actions",
                "month",
                Decimal(params.monthly_max_days),
                Decimal(1),
                scope=f"vehicle:{evidence.vehicle_ref}",
                per_resident=False,
            ),
        )
