"""bike_share_ride 2.0.0: as 1.0.0, with the gas named (CO2), the conservativeness factor, and the day shared
with car-free days (the larger of the two is credited)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from methodologies._common.sources import TANBI_V1
from methodologies._common.trip import TRIP_REASONS, TripLimitsV2, TripMethodologyV2
from methodologies._sdk import factor, setting
from methodologies.bike_share_ride.v1 import WUHAN, BikeRideEvidence


class BikeShareRideParamsV2(TripLimitsV2):
    bike_reduction_g_per_pkm: Decimal = factor("40", unit="g CO2 / km", source=WUHAN, year=2023, gt=0)
    min_distance_m: int = setting(200, unit="m", source=TANBI_V1, year=2026)
    max_speed_kmh: int = setting(25, unit="km/h", source=TANBI_V1, year=2026)
    max_duration_hours: int = setting(4, unit="h", source=TANBI_V1, year=2026)
    daily_max_trips: int = setting(
        6, unit="credited rides / resident / local day", source=TANBI_V1, year=2026
    )
    daily_max_grams: int = setting(2000, unit="g / resident / local day", source=TANBI_V1, year=2026)


class BikeShareRideV2(TripMethodologyV2):
    id = "bike_share_ride"
    version = "2.0.0"
    title = "Shared bike ride (共享单车/公共自行车骑行)"
    source = WUHAN + ", 2023"
    package = "methodologies.bike_share_ride"
    factor_name = "bike_reduction_g_per_pkm"
    Evidence = BikeRideEvidence
    Params = BikeShareRideParamsV2
    partner = "bike-share operator (共享单车/公共自行车运营方): lock / unlock records and the GPS track"
    reasons = TRIP_REASONS | {"not_eligible": ("电动助力车骑行不计入", "e-bike rides are not credited")}
    example = {
        "started_at": "2026-11-20T18:05:00+08:00",
        "ended_at": "2026-11-20T18:30:00+08:00",
        "distance_m": 5000,
        "bike_id": "GQB-88412",
        "electric": False,
    }

    def span(self, evidence: Any) -> tuple[dt.datetime, dt.datetime]:
        return evidence.started_at, evidence.ended_at

    def eligibility(self, evidence: Any) -> list[str]:
        return ["not_eligible"] if evidence.electric else []
