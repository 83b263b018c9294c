"""bus_trip 2.0.0: as 1.0.0, with the gas named (CO2), the conservativeness factor, and the day shared with
car-free days (the larger of the two is credited)."""

from __future__ import annotations

from decimal import Decimal

from methodologies._common.sources import SHENZHEN_PUBLIC_TRANSPORT
from methodologies._common.trip import TripLimitsV2, TripMethodologyV2
from methodologies._sdk import factor


class BusTripParamsV2(TripLimitsV2):
    bus_reduction_g_per_pkm: Decimal = factor(
        "26.9",
        unit="g CO2 / pkm",
        source=SHENZHEN_PUBLIC_TRANSPORT + ", electric bus",
        year=2021,
        description="net reduction per passenger-km; the source city's bus fleet is fully new-energy",
        gt=0,
    )


class BusTripV2(TripMethodologyV2):
    id = "bus_trip"
    version = "2.0.0"
    title = "Bus trip (公交出行)"
    source = SHENZHEN_PUBLIC_TRANSPORT + " (2021); principles of DB11/T 3043-2024"
    package = "methodologies.bus_trip"
    factor_name = "bus_reduction_g_per_pkm"
    Params = BusTripParamsV2
    partner = "bus operator (公交公司): tap-in / tap-out or boarding / alighting records"
    example = {
        "boarded_at": "2026-11-20T07:42:10+08:00",
        "alighted_at": "2026-11-20T08:02:40+08:00",
        "distance_m": 5000,
        "route_id": "K3",
        "boarding_stop_id": "S0123",
        "alighting_stop_id": "S0131",
        "vehicle_id": "GQ-1023",
    }
