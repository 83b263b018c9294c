"""Trips by public transport or shared bike: one evidence shape, one set of checks, one formula.

reduction (g) = distance_km x <mode>_reduction_g_per_pkm, a published net factor: the breakdown names it and
leaves baseline and project grams empty rather than invent them (methodologies.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import AwareDatetime, Field

from methodologies._common.exclusive import travel_day
from methodologies._common.readme import readme_of
from methodologies._common.sources import TANBI_V1
from methodologies._common.timing import hours_between, window_reasons
from methodologies._sdk import (
    API_VERSION,
    BaseMethodology,
    Cap,
    Conservative,
    Context,
    Evidence,
    Exclusive,
    FactorUsed,
    Occupancy,
    Params,
    Quantity,
    Verdict,
    personal,
    setting,
)

# One scope for every trip: a resident cannot be on a bus, a metro and a bike at the same time.
TRANSIT_SCOPE = "transit"


class TripEvidence(Evidence):
    boarded_at: AwareDatetime = Field(description="tap-in / boarding time, with zone")
    alighted_at: AwareDatetime = Field(description="tap-out / alighting time, with zone")
    distance_m: int = Field(gt=0, le=1_000_000, description="operator's distance along the route, metres")
    route_id: str | None = personal(default=None, max_length=64, description="the route or line")
    boarding_stop_id: str | None = personal(
        default=None, max_length=64, description="boarding stop / station"
    )
    alighting_stop_id: str | None = personal(
        default=None, max_length=64, description="alighting stop / station"
    )
    vehicle_id: str | None = personal(default=None, max_length=64, description="the vehicle, if known")


class TripLimits(Params):
    """Limits every trip methodology has; each mode redeclares the defaults it changes."""

    min_distance_m: int = setting(300, unit="m", source=TANBI_V1, year=2026)
    max_distance_m: int = setting(100_000, unit="m", source=TANBI_V1, year=2026)
    max_speed_kmh: int = setting(60, unit="km/h", source=TANBI_V1, year=2026)
    max_duration_hours: int = setting(24, unit="h", source=TANBI_V1, year=2026)
    stale_days: int = setting(30, unit="days", source=TANBI_V1, year=2026)
    future_tolerance_minutes: int = setting(5, unit="minutes", source=TANBI_V1, year=2026)
    daily_max_trips: int = setting(
        10, unit="credited trips / resident / local day", source=TANBI_V1, year=2026
    )
    daily_max_grams: int = setting(3000, unit="g CO2e / resident / local day", source=TANBI_V1, year=2026)


class TripMethodology(BaseMethodology):
    """A trip credited per passenger-km at the factor named ``factor_name`` in the Params."""

    factor_name: ClassVar[str]
    package: ClassVar[str]
    api_version = API_VERSION
    family = "public_transport"
    Evidence: ClassVar[type[Evidence]] = TripEvidence

    @property
    def readme(self) -> str:
        return readme_of(self.package)

    def span(self, evidence: Any) -> tuple[dt.datetime, dt.datetime]:
        return evidence.boarded_at, evidence.alighted_at

    def verify(self, evidence: Any, params: Any, context: Context) -> Verdict:
        start, end = self.span(evidence)
        if end <= start:
            return Verdict.reject("invalid_interval")
        reasons = window_reasons(
            start, context, stale_days=params.stale_days, future_minutes=params.future_tolerance_minutes
        )
        hours = hours_between(start, end)
        if evidence.distance_m < params.min_distance_m:
            reasons.append("too_short")
        if evidence.distance_m > params.max_distance_m or hours > params.max_duration_hours:
            reasons.append("too_long")
        if (Decimal(evidence.distance_m) / 1000) / hours > params.max_speed_kmh:
            reasons.append("implausible_speed")
        return Verdict.of(reasons + self.eligibility(evidence))

    def eligibility(self, evidence: Any) -> list[str]:
        return []

    def quantify(self, evidence: Any, params: Any) -> Quantity:
        distance_km = Decimal(evidence.distance_m) / 1000
        rate: Decimal = getattr(params, self.factor_name)
        return Quantity.of(
            distance_km * rate,
            formula=f"distance_km x {self.factor_name}",
            inputs={"distance_km": distance_km},
            factors=(
                FactorUsed(self.factor_name, rate, "g CO2e / pkm", params.meta(self.factor_name)["source"]),
            ),
        )

    def occurred_at(self, evidence: Any) -> dt.datetime:
        return self.span(evidence)[0]

    def occupancy(self, evidence: Any) -> tuple[Occupancy, ...]:
        start, end = self.span(evidence)
        return (Occupancy(TRANSIT_SCOPE, start, end),)

    def caps(self, evidence: Any, params: Any) -> tuple[Cap, ...]:
        return (
            Cap("daily_cap", "actions", "day", Decimal(params.daily_max_trips), Decimal(1)),
            Cap("daily_cap", "grams", "day", Decimal(params.daily_max_grams), clip=True),
        )


TRIP_REASONS = {
    "too_short": ("距离低于最短距离", "the distance is below the minimum"),
    "too_long": ("距离或时长超过上限", "the distance or duration is above the maximum"),
    "implausible_speed": ("平均速度不合理", "the average speed is implausible"),
}


class TripLimitsV2(TripLimits, Conservative):
    """The limits of version 1, and the conservativeness factor."""

    daily_max_grams: int = setting(3000, unit="g / resident / local day", source=TANBI_V1, year=2026)


class TripMethodologyV2(TripMethodology):
    """Version 2: the gas named (the published net factors are CO2), the conservativeness factor, and the
    day shared with car-free days (``travel_day``: the larger of the two is credited)."""

    reasons = TRIP_REASONS

    def quantify(self, evidence: Any, params: Any) -> Quantity:
        distance_km = Decimal(evidence.distance_m) / 1000
        rate: Decimal = getattr(params, self.factor_name)
        meta = params.meta(self.factor_name)
        return Quantity.of(
            distance_km * rate,
            formula=f"distance_km x {self.factor_name}",
            inputs={"distance_km": distance_km},
            factors=(FactorUsed(self.factor_name, rate, meta["unit"], meta["source"]),),
            gas="CO2",
            conservativeness=params.conservativeness,
        )

    def exclusive(self, evidence: Any, params: Any) -> tuple[Exclusive, ...]:
        return (travel_day("transit"),)
