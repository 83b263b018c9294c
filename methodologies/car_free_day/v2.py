"""car_free_day 2.0.0: a day a fuel car stayed parked, credited at the car's own typical driving.

baseline_km = min(median daily km of the car's prior 90 days, max_daily_vkm)
reduction   = baseline_km x car_g_per_vkm                  (car_g_per_vkm = car_l_per_100km / 100 x gasoline)

Tanbi hashes the plate with its own key, so the same car reported by two partners is one car; the day
shares the resident's ``travel_day`` with transit trips (the larger of the two is credited).
"""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, Field, model_validator

from methodologies._common.car import CarBaselineV2, car_factors, car_g_per_vkm
from methodologies._common.exclusive import travel_day
from methodologies._common.readme import readme_of
from methodologies._common.sources import TANBI_V1, TANBI_V2
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
    Quantity,
    Verdict,
    factor,
    identifier,
    setting,
)

KM = {"ge": 0, "le": 10_000_000, "max_digits": 12, "decimal_places": 3}


class CarFreeDayEvidenceV2(Evidence):
    plate: str = identifier("plate", description="the car's plate number, e.g. 赣G12345")
    fuel: Literal["gasoline", "diesel", "electric", "plug_in_hybrid", "hybrid", "other"] = Field(
        description="the car's fuel; only gasoline and diesel cars are eligible"
    )
    date: dt.date = Field(description="the local calendar day the car stayed parked")
    odometer_start_km: Decimal | None = Field(default=None, description="odometer at the day's start", **KM)
    odometer_end_km: Decimal | None = Field(default=None, description="odometer at the day's end", **KM)
    parked_from: AwareDatetime | None = Field(default=None, description="parking entry (parking operators)")
    parked_until: AwareDatetime | None = Field(default=None, description="parking exit (or time of report)")
    prior_daily_km: list[Decimal] = Field(
        max_length=90,
        description="km the car drove on each observed day of the 90 days before `date` (the partner's "
        "telematics or mileage records), any order",
    )

    @model_validator(mode="after")
    def _one_way_of_observing(self) -> CarFreeDayEvidenceV2:
        odometer = self.odometer_start_km is not None and self.odometer_end_km is not None
        parking = self.parked_from is not None and self.parked_until is not None
        if odometer == parking:
            raise ValueError(
                "give either odometer_start_km and odometer_end_km, or parked_from and parked_until"
            )
        if any(km < 0 or km > 2000 for km in self.prior_daily_km):
            raise ValueError("prior_daily_km values are km driven in one day: 0 to 2000")
        return self


class CarFreeDayParamsV2(CarBaselineV2, Conservative):
    max_daily_vkm: Decimal = factor(
        "30",
        unit="vkm / day",
        source="Tanbi v1 assumption: average daily driving of an in-use private car; the most a day counts",
        year=2026,
        gt=0,
    )
    history_days: int = setting(90, unit="days before the date", source=TANBI_V2, year=2026, ge=1)
    min_history_days: int = setting(30, unit="observed days", source=TANBI_V2, year=2026, ge=1)
    parked_tolerance_km: Decimal = factor("1", unit="km", source=TANBI_V1, year=2026, ge=0)
    stale_days: int = setting(30, unit="days after the date", source=TANBI_V2, year=2026, ge=1)
    monthly_max_days: int = setting(
        8, unit="credited days / vehicle and / resident / calendar month", source=TANBI_V1, year=2026
    )


ELIGIBLE_FUELS = ("gasoline", "diesel")


class CarFreeDayV2(BaseMethodology):
    id = "car_free_day"
    version = "2.0.0"
    title = "Car-free day (燃油车停驶)"
    source = "China inventory gasoline defaults; DB11/T 3043-2024 principles; Tanbi methodologies v2"
    api_version = API_VERSION
    family = "fuel_car_parked"
    Evidence = CarFreeDayEvidenceV2
    Params = CarFreeDayParamsV2
    partner = (
        "telematics platform, motor insurer (mileage records) or parking operator (entry / exit); the "
        "partner observes the car, Tanbi hashes its plate"
    )
    reasons = {
        "not_eligible": ("新能源或混合动力汽车不计入", "only gasoline and diesel cars are eligible"),
        "driven": ("当日行驶里程超过容差", "the car moved more than the parked tolerance that day"),
        "meter_rollback": ("里程表读数倒退", "the odometer went backwards"),
        "not_parked_all_day": ("停车记录未覆盖整日", "the parking record does not cover the whole day"),
        "insufficient_history": (
            "车辆近 90 天行驶记录不足 30 天",
            "fewer than 30 observed days in the car's prior 90 days",
        ),
    }
    example = {
        "plate": "赣G12345",
        "fuel": "gasoline",
        "date": "2026-11-19",
        "odometer_start_km": "48210.4",
        "odometer_end_km": "48210.4",
        "prior_daily_km": ["18.2", "25.0", "0", "31.7", "22.4", "22.4", "40.1", "12.9"] * 4,
    }

    @property
    def readme(self) -> str:
        return readme_of("methodologies.car_free_day")

    def verify(self, evidence: CarFreeDayEvidenceV2, params: CarFreeDayParamsV2, context: Context) -> Verdict:
        reasons = []
        today = context.local_date(context.now)
        if evidence.date >= today:  # a day is parked only once it is over
            reasons.append("in_future")
        elif evidence.date < today - dt.timedelta(days=params.stale_days):
            reasons.append("stale")
        if evidence.fuel not in ELIGIBLE_FUELS:
            reasons.append("not_eligible")
        reasons += _observation_reasons(evidence, params, context)
        if len(evidence.prior_daily_km) < params.min_history_days:
            reasons.append("insufficient_history")
        return Verdict.of(reasons)

    def quantify(self, evidence: CarFreeDayEvidenceV2, params: CarFreeDayParamsV2) -> Quantity:
        median_km = median(evidence.prior_daily_km)
        baseline_km = min(median_km, params.max_daily_vkm)
        baseline = baseline_km * car_g_per_vkm(params)
        return Quantity.of(
            baseline,
            baseline=baseline,
            project=Decimal(0),
            formula="min(median prior_daily_km, max_daily_vkm) x car_g_per_vkm",
            inputs={
                "date": evidence.date.isoformat(),
                "observed_days": str(len(evidence.prior_daily_km)),
                "median_daily_km": median_km,
                "baseline_km": baseline_km,
            },
            factors=(
                FactorUsed(
                    "max_daily_vkm", params.max_daily_vkm, "vkm / day", params.meta("max_daily_vkm")["source"]
                ),
                *car_factors(params),
            ),
            gas="CO2",
            conservativeness=params.conservativeness,
        )

    def occurred_at(self, evidence: CarFreeDayEvidenceV2) -> dt.datetime:
        # 04:00 UTC is noon in China Standard Time: inside the local day for any zone within +-8 h of it.
        return dt.datetime.combine(evidence.date, dt.time(4, 0), tzinfo=dt.UTC)

    def claims(self, evidence: CarFreeDayEvidenceV2) -> tuple[Claim, ...]:
        return (Claim(f"car_free_day:{evidence.plate}:{evidence.date.isoformat()}"),)

    def caps(self, evidence: CarFreeDayEvidenceV2, params: CarFreeDayParamsV2) -> tuple[Cap, ...]:
        days = Decimal(params.monthly_max_days)
        return (
            Cap("monthly_cap", "actions", "month", days, Decimal(1)),
            Cap(
                "monthly_cap",
                "actions",
                "month",
                days,
                Decimal(1),
                scope=f"vehicle:{evidence.plate}",
                per_resident=False,
            ),
        )

    def exclusive(self, evidence: CarFreeDayEvidenceV2, params: CarFreeDayParamsV2) -> tuple[Exclusive, ...]:
        return (travel_day("car_free"),)


def median(values: list[Decimal]) -> Decimal:
    """The median (the mean of the middle two for an even count); 0 for no values."""
    return Decimal(statistics.median(values)) if values else Decimal(0)


def _observation_reasons(
    evidence: CarFreeDayEvidenceV2, params: CarFreeDayParamsV2, context: Context
) -> list[str]:
    if evidence.odometer_start_km is not None and evidence.odometer_end_km is not None:
        if evidence.odometer_end_km < evidence.odometer_start_km:
            return ["meter_rollback"]
        if evidence.odometer_end_km - evidence.odometer_start_km > params.parked_tolerance_km:
            return ["driven"]
        return []
    assert evidence.parked_from is not None
    assert evidence.parked_until is not None
    day_start = dt.datetime.combine(evidence.date, dt.time(0), tzinfo=context.zone)
    day_end = day_start + dt.timedelta(days=1)
    if evidence.parked_from > day_start or evidence.parked_until < day_end:
        return ["not_parked_all_day"]
    return []
