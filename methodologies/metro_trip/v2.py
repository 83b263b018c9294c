"""metro_trip 2.0.0: metro_reduction_g_per_pkm 46.7 (the published Shenzhen figure; 1.0.0 had 46.8), the gas
named (CO2), the conservativeness factor, and the day shared with car-free days."""

from __future__ import annotations

from decimal import Decimal

from methodologies._common.sources import SHENZHEN_PUBLIC_TRANSPORT, TANBI_V1
from methodologies._common.trip import TripLimitsV2, TripMethodologyV2
from methodologies._sdk import factor, setting

SHENZHEN_METRO = (
    SHENZHEN_PUBLIC_TRANSPORT + ", metro: 46.7 g CO2/pkm as published (深圳商报 2022-09-23 reporting the "
    "methodology)"
)


class MetroTripParamsV2(TripLimitsV2):
    metro_reduction_g_per_pkm: Decimal = factor(
        "46.7", unit="g CO2 / pkm", source=SHENZHEN_METRO, year=2021, gt=0
    )
    min_distance_m: int = setting(500, unit="m", source=TANBI_V1, year=2026)
    max_speed_kmh: int = setting(120, unit="km/h", source=TANBI_V1, year=2026)
    daily_max_grams: int = setting(4000, unit="g / resident / local day", source=TANBI_V1, year=2026)


class MetroTripV2(TripMethodologyV2):
    id = "metro_trip"
    version = "2.0.0"
    title = "Metro trip (城市轨道交通出行)"
    source = SHENZHEN_PUBLIC_TRANSPORT + " (2021); principles of DB11/T 3043-2024"
    package = "methodologies.metro_trip"
    factor_name = "metro_reduction_g_per_pkm"
    Params = MetroTripParamsV2
    partner = "metro operator (轨道交通公司): tap-in / tap-out at stations"
    example = {
        "boarded_at": "2026-11-20T08:10:00+08:00",
        "alighted_at": "2026-11-20T08:31:00+08:00",
        "distance_m": 12400,
        "boarding_stop_id": "L1-05",
        "alighting_stop_id": "L1-14",
    }
