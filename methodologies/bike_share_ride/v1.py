"""bike_share_ride 1.0.0: reduction = distance_km x bike_reduction_g_per_pkm (Wuhan 武碳江湖 2023)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import AwareDatetime, Field

from methodologies._common.sources import TANBI_V1
from methodologies._common.trip import TripLimits, TripMethodology
from methodologies._sdk import Evidence, factor, personal, setting

WUHAN = "武汉 武碳江湖 bike-share factor (the lower of its published values; 93.3 g/km in 2025)"


class BikeRideEvidence(Evidence):
    started_at: AwareDatetime
    ended_at: AwareDatetime
    distance_m: int = Field(gt=0, le=1_000_000, description="metres ridden (operator's GPS track)")
    bike_id: str = personal(min_length=1, max_length=64, description="the operator's bike number")
    electric: bool = Field(default=False, description="an e-bike; not credited in v1")


class BikeShareRideParams(TripLimits):
    bike_reduction_g_per_pkm: Decimal = factor("40", unit="g CO2e / km", source=WUHAN, year=2023)
    min_distance_m: int = setting(200, unit="m", source=TANBI_V1, year=2026)
    max_speed_kmh: int = setting(25, unit="km/h", source=TANBI_V1, year=2026)
    max_duration_hours: int = setting(4, unit="h", source=TANBI_V1, year=2026)
    daily_max_trips: int = setting(
        6, unit="credited rides / resident / local day", source=TANBI_V1, year=2026
    )
    daily_max_grams: int = setting(2000, unit="g CO2e / resident / local day", source=TANBI_V1, year=2026)


class BikeShareRideV1(TripMethodology):
    id = "bike_share_ride"
    version = "1.0.0"
    title = "Shared bike ride (共享单车/公共自行车骑行)"
    source = WUHAN + ", 2023"
    package = "methodologies.bike_share_ride"
    factor_name = "bike_reduction_g_per_pkm"
    Evidence = BikeRideEvidence
    Params = BikeShareRideParams

    def span(self, evidence: Any) -> tuple[dt.datetime, dt.datetime]:
        return evidence.started_at, evidence.ended_at

    def eligibility(self, evidence: Any) -> list[str]:
        return ["not_eligible"] if evidence.electric else []
