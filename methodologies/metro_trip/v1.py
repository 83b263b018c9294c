"""metro_trip 1.0.0: reduction = distance_km x metro_reduction_g_per_pkm (Shenzhen 2021)."""

from __future__ import annotations

from decimal import Decimal

from methodologies._common.sources import SHENZHEN_PUBLIC_TRANSPORT, TANBI_V1
from methodologies._common.trip import TripLimits, TripMethodology
from methodologies._sdk import factor, setting


class MetroTripParams(TripLimits):
    metro_reduction_g_per_pkm: Decimal = factor(
        "46.8", unit="g CO2e / pkm", source=SHENZHEN_PUBLIC_TRANSPORT + ", metro", year=2021
    )
    min_distance_m: int = setting(500, unit="m", source=TANBI_V1, year=2026)
    max_speed_kmh: int = setting(120, unit="km/h", source=TANBI_V1, year=2026)
    daily_max_grams: int = setting(4000, unit="g CO2e / resident / local day", source=TANBI_V1, year=2026)


class MetroTripV1(TripMethodology):
    id = "metro_trip"
    version = "1.0.0"
    title = "Metro trip (城市轨道交通出行)"
    source = SHENZHEN_PUBLIC_TRANSPORT + " (2021); principles of DB11/T 3043-2024"
    package = "methodologies.metro_trip"
    factor_name = "metro_reduction_g_per_pkm"
    Params = MetroTripParams
