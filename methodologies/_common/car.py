"""The baseline car: a gasoline car's grams CO2 per vehicle-km, derived from two cited factors."""

from __future__ import annotations

from decimal import Decimal

from methodologies._common.sources import (
    CAR_FUEL_ASSUMPTION,
    CHINA_INVENTORY_GASOLINE,
    GRID_CENTRAL_CHINA_2023,
    GRID_CONSUMED_2023,
    GRID_DISPLACED_2023,
    IPCC_GASOLINE,
)
from methodologies._sdk import FactorUsed, Params, factor


class CarBaseline(Params):
    gasoline_g_per_l: Decimal = factor("2271.7926", unit="g CO2 / L", source=IPCC_GASOLINE, year=2006)
    car_l_per_100km: Decimal = factor("7.0", unit="L / 100 vkm", source=CAR_FUEL_ASSUMPTION, year=2026)


class GridFactor(Params):
    grid_g_per_kwh: Decimal = factor("527.1", unit="g CO2 / kWh", source=GRID_CENTRAL_CHINA_2023, year=2023)


def car_g_per_vkm(params: CarBaseline) -> Decimal:
    """car_l_per_100km / 100 x gasoline_g_per_l (159.025482 g/vkm with the defaults)."""
    return params.car_l_per_100km / 100 * params.gasoline_g_per_l


def car_factors(params: CarBaseline) -> tuple[FactorUsed, ...]:
    return (
        FactorUsed(
            "gasoline_g_per_l",
            params.gasoline_g_per_l,
            "g CO2 / L",
            params.meta("gasoline_g_per_l")["source"],
        ),
        FactorUsed(
            "car_l_per_100km", params.car_l_per_100km, "L / 100 vkm", params.meta("car_l_per_100km")["source"]
        ),
        FactorUsed(
            "car_g_per_vkm",
            car_g_per_vkm(params),
            "g CO2 / vkm",
            "derived: car_l_per_100km / 100 x gasoline_g_per_l",
        ),
    )


def grid_factor(params: GridFactor) -> FactorUsed:
    return FactorUsed(
        "grid_g_per_kwh", params.grid_g_per_kwh, "g CO2 / kWh", params.meta("grid_g_per_kwh")["source"]
    )


class CarBaselineV2(Params):
    """The baseline car of methodologies v2: China's inventory gasoline factor (IPCC's 100 % oxidation
    overstated it by ~5 %)."""

    gasoline_g_per_l: Decimal = factor(
        "2164.5", unit="g CO2 / L", source=CHINA_INVENTORY_GASOLINE, year=2026, gt=0
    )
    car_l_per_100km: Decimal = factor(
        "7.0", unit="L / 100 vkm", source=CAR_FUEL_ASSUMPTION, year=2026, gt=0, le=30
    )


class GridConsumed(Params):
    """Electricity a project consumes: the higher factor is conservative."""

    grid_consumed_g_per_kwh: Decimal = factor(
        "530.6", unit="g CO2 / kWh", source=GRID_CONSUMED_2023, year=2023, gt=0
    )


class GridDisplaced(Params):
    """Electricity a project displaces: the lower factor is conservative."""

    grid_displaced_g_per_kwh: Decimal = factor(
        "527.1", unit="g CO2 / kWh", source=GRID_DISPLACED_2023, year=2023, gt=0
    )
