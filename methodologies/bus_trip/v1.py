"""bus_trip 1.0.0: reduction = distance_km x bus_reduction_g_per_pkm (electric bus, Shenzhen 2021)."""

from __future__ import annotations

from decimal import Decimal

from methodologies._common.sources import SHENZHEN_PUBLIC_TRANSPORT
from methodologies._common.trip import TripLimits, TripMethodology
from methodologies._sdk import factor


class BusTripParams(TripLimits):
    bus_reduction_g_per_pkm: Decimal = factor(
        "26.9",
        unit="g CO2e / pkm",
        source=SHENZHEN_PUBLIC_TRANSPORT + ", electric bus",
        year=2021,
        description="net reduction per passenger-km; the source city's bus fleet is fully new-energy",
    )


class BusTripV1(TripMethodology):
    id = "bus_trip"
    version = "1.0.0"
    title = "Bus trip (公交出行)"
    source = SHENZHEN_PUBLIC_TRANSPORT + " (2021); principles of DB11/T 3043-2024"
    package = "methodologies.bus_trip"
    factor_name = "bus_reduction_g_per_pkm"
    Params = BusTripParams
