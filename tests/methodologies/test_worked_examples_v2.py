"""Methodologies v2 (methodologies.md, "Parameter version 2"): the corrected worked examples, exactly, and the
review's rules that live in the methodologies themselves (the service-side rules are tested with the
credit path: tests/integration/actions/test_v2_rules.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from methodologies._sdk import Context
from tests.methodologies.test_worked_examples import (
    AFTER_JUNE,
    JUNE,
    JUNE_21,
    PV,
    REGISTRY,
    T0,
    ZONE,
    charge,
    ride,
    solar,
    trip,
)

PARTNER_PV = Context(now=AFTER_JUNE, zone=ZONE, asset=PV, asset_source="partner")


def parked(**changes: Any) -> dict[str, Any]:
    return {
        "plate": "赣G12345",
        "fuel": "gasoline",
        "date": "2026-11-19",
        "odometer_start_km": "100",
        "odometer_end_km": "100.5",
        "prior_daily_km": ["22.4"] * 45,
    } | changes


def private(evidence: dict[str, Any]) -> dict[str, Any]:
    return evidence | {"vehicle_kind": "private_car"}


EXAMPLES = [
    ("bus_trip", trip("5.0", 20), 134, ()),
    ("bus_trip", trip("12.4", 35), 333, ()),
    ("bus_trip", trip("0.8", 6), 21, ()),
    ("bus_trip", trip("5.0", 2), None, ("implausible_speed",)),
    ("bus_trip", trip("0.2", 5), None, ("too_short",)),
    # 46.7 g/pkm, the published Shenzhen metro factor (1.0.0 had 46.8): 233.5 and 579.08, floored.
    ("metro_trip", trip("5.0", 10), 233, ()),
    ("metro_trip", trip("12.4", 20), 579, ()),
    ("bike_share_ride", ride("5.0", 25), 200, ()),
    ("bike_share_ride", ride("0.8", 5), 32, ()),
    ("bike_share_ride", ride("5.0", 6), None, ("implausible_speed",)),
    # 187.5 km x 151.515 - 30 x 530.6 = 28409.0625 - 15918 = 12491.0625
    ("ev_charging", private(charge("30", 5)), 12491, ()),
    ("ev_charging", private(charge("7.5", 2)), 3122, ()),
    ("ev_charging", private(charge("15.342", 2, "7.36")), 6387, ()),
    ("ev_charging", private(charge("30", 1, "7")), None, ("implausible_energy",)),
    ("ev_charging", charge("30", 5), None, ("not_eligible",)),
    ("ev_charging", charge("30", 5) | {"vehicle_kind": "taxi"}, None, ("not_eligible",)),
    # The quantity; the service then applies the system's monthly cap (tests/integration/actions).
    ("rooftop_solar", solar("600", *JUNE), 316260, ()),
    ("rooftop_solar", solar("25.0", *JUNE_21), 13177, ()),
    # 5 kWp x 7.019 kWh/m² clear sky x 0.85 = 29.83 kWh: 30 kWh on 21 June passed 1.0.0's 1.05 tolerance.
    ("rooftop_solar", solar("30.0", *JUNE_21), None, ("exceeds_clear_sky",)),
    ("rooftop_solar", solar("2000", *JUNE), None, ("exceeds_clear_sky",)),
    ("rooftop_solar", solar("600", *JUNE, gec="600"), 0, ()),
    # min(median 22.4, 30) x 151.515 = 3393.936
    ("car_free_day", parked(), 3393, ()),
    ("car_free_day", parked(prior_daily_km=["45"] * 40), 4545, ()),
]


def with_derived(context: Context, methodology: Any, evidence: Any) -> Context:
    """``context`` with the facts the service works out from the asset before ``verify`` (derived_facts)."""
    if context.asset is None:
        return context
    extra = methodology.derived_facts(evidence, methodology.Params(), context.asset)
    return dataclasses.replace(context, extra=extra)


def context_for(methodology_id: str) -> Context:
    if methodology_id == "rooftop_solar":
        return PARTNER_PV
    return Context(now=T0 + dt.timedelta(days=1), zone=ZONE)


@pytest.mark.parametrize(("methodology_id", "evidence", "grams", "reasons"), EXAMPLES)
def test_worked_example_v2(
    methodology_id: str, evidence: dict[str, Any], grams: int | None, reasons: tuple[str, ...]
) -> None:
    methodology = REGISTRY.current(methodology_id)
    assert methodology.version == "2.0.0"
    parsed = methodology.Evidence.model_validate(evidence)
    params = methodology.Params()
    verdict = methodology.verify(
        parsed, params, with_derived(context_for(methodology_id), methodology, parsed)
    )
    assert verdict.reasons == reasons
    if grams is not None:
        quantity = methodology.quantify(parsed, params)
        assert quantity.grams == grams
        assert quantity.gas == "CO2"


def test_v2_factors_are_the_reviews() -> None:
    ev = REGISTRY.current("ev_charging")
    breakdown = ev.quantify(ev.Evidence.model_validate(private(charge("30", 5))), ev.Params()).breakdown()
    factors = {f["name"]: f["value"] for f in breakdown["factors"]}
    assert factors["gasoline_g_per_l"] == "2164.5"
    assert Decimal(factors["car_g_per_vkm"]) == Decimal("151.515")
    assert factors["grid_consumed_g_per_kwh"] == "530.6"
    assert factors["conservativeness"] == "1.0"
    assert breakdown["gas"] == "CO2"
    pv = REGISTRY.current("rooftop_solar")
    solar_factors = pv.quantify(pv.Evidence.model_validate(solar("10", *JUNE_21)), pv.Params()).breakdown()
    assert {f["name"]: f["value"] for f in solar_factors["factors"]}["grid_displaced_g_per_kwh"] == "527.1"


@pytest.mark.parametrize("methodology_id", ["bus_trip", "metro_trip", "bike_share_ride"])
def test_published_transit_factors_are_labelled_co2(methodology_id: str) -> None:
    methodology = REGISTRY.current(methodology_id)
    params = methodology.Params()
    factor = next(p for p in params.describe() if p["name"].endswith("_reduction_g_per_pkm"))
    assert factor["unit"].startswith("g CO2 /")


def test_conservativeness_scales_every_reduction_down() -> None:
    for methodology_id, evidence, grams, reasons in EXAMPLES:
        if reasons or not grams:
            continue
        methodology = REGISTRY.current(methodology_id)
        parsed = methodology.Evidence.model_validate(evidence)
        full = methodology.quantify(parsed, methodology.Params())
        halved = methodology.quantify(
            parsed, methodology.Params().model_copy(update={"conservativeness": Decimal("0.5")})
        )
        assert halved.exact_grams == full.exact_grams / 2
        assert halved.grams <= grams // 2 + 1


def test_a_city_cannot_publish_conservativeness_above_one() -> None:
    bus = REGISTRY.current("bus_trip")
    with pytest.raises(ValidationError):
        bus.Params.model_validate({"conservativeness": "1.2"})
    with pytest.raises(ValidationError):
        bus.Params.model_validate({"conservativeness": "0"})


def test_solar_needs_gec_issued_kwh_stated() -> None:
    pv = REGISTRY.current("rooftop_solar")
    evidence = solar("10", *JUNE_21)
    del evidence["gec_issued_kwh"]
    with pytest.raises(ValidationError, match="gec_issued_kwh"):
        pv.Evidence.model_validate(evidence)
    assert pv.Evidence.model_validate(evidence | {"gec_issued_kwh": "0"}).gec_issued_kwh == 0


def test_solar_capacity_must_come_from_a_partners_record() -> None:
    pv = REGISTRY.current("rooftop_solar")
    evidence = pv.Evidence.model_validate(solar("10", *JUNE_21))
    declared = Context(now=AFTER_JUNE, zone=ZONE, asset=PV, asset_source="resident")
    assert pv.verify(evidence, pv.Params(), with_derived(declared, pv, evidence)).reasons == (
        "unverified_asset",
    )
    assert pv.verify(evidence, pv.Params(), with_derived(PARTNER_PV, pv, evidence)).accepted


def test_car_free_day_v2_checks() -> None:
    car, now = REGISTRY.current("car_free_day"), Context(now=T0 + dt.timedelta(days=1), zone=ZONE)

    def reasons(**changes: Any) -> tuple[str, ...]:
        return car.verify(car.Evidence.model_validate(parked(**changes)), car.Params(), now).reasons

    assert reasons() == ()
    assert reasons(date="2026-10-01") == ("stale",)  # car-free days had no staleness check in 1.0.0
    assert reasons(date="2026-11-21") == ("in_future",)  # the day is not over
    assert reasons(prior_daily_km=["20"] * 29) == ("insufficient_history",)
    assert reasons(fuel="electric") == ("not_eligible",)
    assert reasons(odometer_end_km="130") == ("driven",)
    assert reasons(odometer_end_km="99") == ("meter_rollback",)
    local = dt.datetime(2026, 11, 19, tzinfo=ZONE)
    parking = {"odometer_start_km": None, "odometer_end_km": None}
    whole_day = parking | {
        "parked_from": local - dt.timedelta(hours=2),
        "parked_until": local + dt.timedelta(days=1),
    }
    assert reasons(**whole_day) == ()
    part = whole_day | {"parked_from": local + dt.timedelta(hours=8)}
    assert reasons(**part) == ("not_parked_all_day",)
    with pytest.raises(ValidationError):
        car.Evidence.model_validate(parked(parked_from=local, parked_until=local + dt.timedelta(days=1)))


def test_car_free_day_baseline_is_the_cars_own_median() -> None:
    car = REGISTRY.current("car_free_day")
    history = ["5", "10", "12", "50", "8"] * 8  # median 10 km, though the mean is 17
    quantity = car.quantify(car.Evidence.model_validate(parked(prior_daily_km=history)), car.Params())
    assert quantity.inputs["median_daily_km"] == "10"
    assert quantity.grams == 1515  # 10 x 151.515


def test_v1_still_gives_v1_numbers() -> None:
    metro = REGISTRY.version("metro_trip", "1.0.0")
    evidence = metro.Evidence.model_validate(trip("5.0", 10))
    assert metro.quantify(evidence, metro.Params()).grams == 234
