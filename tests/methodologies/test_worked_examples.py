"""Every worked example of methodologies.md, exactly: grams and verdict, straight from the methodologies.

Version 1 (code 1.0.0, parameter version 1) still gives its own numbers: credits made under it replay under
it. Version 2 (code 2.0.0) gives the review's corrected numbers.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from methodologies._sdk import Context
from service.methodology.registry import load_registry

ZONE = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 20, 8, 0, tzinfo=ZONE)
REGISTRY = load_registry()
PV = {
    "capacity_kwp": "5",
    "latitude": 29.25,
    "longitude": 115.80,
    "tilt_deg": 20,
    "azimuth_deg": 180,
    "grid_connected_on": "2025-01-01",
}
OCPI_CDR = Path(__file__).parents[1] / "fixtures" / "data" / "ocpi-2.2.1-cdr_example.json"


def trip(km: str, minutes: float, start: dt.datetime = T0) -> dict[str, Any]:
    return {
        "boarded_at": start,
        "alighted_at": start + dt.timedelta(minutes=minutes),
        "distance_m": int(Decimal(km) * 1000),
    }


def ride(km: str, minutes: float) -> dict[str, Any]:
    span = trip(km, minutes)
    return {
        "started_at": span["boarded_at"],
        "ended_at": span["alighted_at"],
        "distance_m": span["distance_m"],
        "bike_id": "B1",
    }


def charge(kwh: str, hours: float, kw: str = "22") -> dict[str, Any]:
    return {
        "session_id": "S1",
        "started_at": T0,
        "ended_at": T0 + dt.timedelta(hours=hours),
        "energy_kwh": kwh,
        "max_power_kw": kw,
        "evse_id": "CN*TNB*E1",
    }


def solar(kwh: str, start: dt.datetime, end: dt.datetime, gec: str = "0") -> dict[str, Any]:
    return {
        "system_id": "PV1",
        "period_start": start,
        "period_end": end,
        "energy_kwh": kwh,
        "gec_issued_kwh": gec,
    }


JUNE = (dt.datetime(2026, 6, 1, tzinfo=ZONE), dt.datetime(2026, 7, 1, tzinfo=ZONE))
JUNE_21 = (dt.datetime(2026, 6, 21, tzinfo=ZONE), dt.datetime(2026, 6, 22, tzinfo=ZONE))
AFTER_JUNE = dt.datetime(2026, 7, 2, tzinfo=ZONE)


def v1(methodology_id: str):  # type: ignore[no-untyped-def]
    return REGISTRY.version(methodology_id, "1.0.0")


EXAMPLES = [
    ("bus_trip", trip("5.0", 20), 134, ()),
    ("bus_trip", trip("12.4", 35), 333, ()),
    ("bus_trip", trip("0.8", 6), 21, ()),
    ("bus_trip", trip("5.0", 2), None, ("implausible_speed",)),
    ("bus_trip", trip("0.2", 5), None, ("too_short",)),
    ("metro_trip", trip("5.0", 10), 234, ()),
    ("metro_trip", trip("12.4", 20), 580, ()),
    ("bike_share_ride", ride("5.0", 25), 200, ()),
    ("bike_share_ride", ride("0.8", 5), 32, ()),
    ("bike_share_ride", ride("5.0", 6), None, ("implausible_speed",)),
    ("ev_charging", charge("30", 5), 14004, ()),
    ("ev_charging", charge("7.5", 2), 3501, ()),
    ("ev_charging", charge("15.342", 2, "7.36"), 7161, ()),
    ("ev_charging", charge("30", 1, "7"), None, ("implausible_energy",)),
    ("rooftop_solar", solar("600", *JUNE), 316260, ()),
    ("rooftop_solar", solar("30.0", *JUNE_21), 15813, ()),
    ("rooftop_solar", solar("2000", *JUNE), None, ("exceeds_clear_sky",)),
    ("rooftop_solar", solar("600", *JUNE, gec="600"), 0, ()),
    (
        "car_free_day",
        {
            "vehicle_ref": "plate-hash-1",
            "fuel": "gasoline",
            "date": "2026-11-19",
            "odometer_start_km": "100",
            "odometer_end_km": "100.5",
        },
        4770,
        (),
    ),
]


def context_for(methodology_id: str) -> Context:
    if methodology_id == "rooftop_solar":
        return Context(now=AFTER_JUNE, zone=ZONE, asset=PV)
    return Context(now=T0 + dt.timedelta(days=1), zone=ZONE)


@pytest.mark.parametrize(("methodology_id", "evidence", "grams", "reasons"), EXAMPLES)
def test_worked_example_v1(
    methodology_id: str, evidence: dict[str, Any], grams: int | None, reasons: tuple[str, ...]
) -> None:
    methodology = v1(methodology_id)
    parsed = methodology.Evidence.model_validate(evidence)
    params = methodology.Params()
    verdict = methodology.verify(parsed, params, context_for(methodology_id))
    assert verdict.reasons == reasons
    assert verdict.accepted == (not reasons)
    if grams is not None:
        assert methodology.quantify(parsed, params).grams == grams


def test_ev_breakdown_names_baseline_project_and_every_factor() -> None:
    ev = v1("ev_charging")
    quantity = ev.quantify(ev.Evidence.model_validate(charge("30", 5)), ev.Params())
    breakdown = quantity.breakdown()
    assert breakdown["inputs"]["km"] == "187.5"
    factors = {f["name"]: (f["value"], f["unit"]) for f in breakdown["factors"]}
    assert factors["car_g_per_vkm"] == ("159.025482", "g CO2 / vkm")
    assert factors["grid_g_per_kwh"] == ("527.1", "g CO2 / kWh")
    assert Decimal(breakdown["baseline_grams"]) - Decimal(breakdown["project_grams"]) == Decimal(
        breakdown["exact_grams"]
    )


@pytest.mark.parametrize("methodology_id", ["bus_trip", "metro_trip", "bike_share_ride"])
def test_published_net_factors_leave_baseline_and_project_empty(methodology_id: str) -> None:
    for methodology in (v1(methodology_id), REGISTRY.current(methodology_id)):
        evidence = ride("3", 15) if methodology_id == "bike_share_ride" else trip("3", 15)
        breakdown = methodology.quantify(
            methodology.Evidence.model_validate(evidence), methodology.Params()
        ).breakdown()
        assert (breakdown["baseline_grams"], breakdown["project_grams"]) == (None, None)
        assert breakdown["factors"][0]["name"].endswith("_reduction_g_per_pkm")


def test_the_ocpi_example_cdr_gives_7161_grams() -> None:
    cdr = json.loads(OCPI_CDR.read_text())
    start, end = (
        dt.datetime.fromisoformat(cdr[k].replace("Z", "+00:00")) for k in ("start_date_time", "end_date_time")
    )
    shift = (
        T0 - dt.timedelta(hours=3)
    ) - start  # the spec's dates are from 2015: keep the duration, move the day
    # The CDR names no power: its connector is AC single phase, i.e. 230 V x 32 A = 7.36 kW at most.
    assert cdr["cdr_location"]["connector_power_type"] == "AC_1_PHASE"
    ev = v1("ev_charging")
    evidence = ev.Evidence.model_validate(
        {
            "session_id": cdr["id"],
            "started_at": start + shift,
            "ended_at": end + shift,
            "energy_kwh": str(cdr["total_energy"]),
            "max_power_kw": "7.36",
            "evse_id": cdr["cdr_location"]["evse_id"],
        }
    )
    assert ev.verify(evidence, ev.Params(), Context(now=T0, zone=ZONE)).accepted
    assert ev.quantify(evidence, ev.Params()).grams == 7161


def test_other_reason_codes() -> None:
    bus, now = v1("bus_trip"), Context(now=T0 + dt.timedelta(days=1), zone=ZONE)
    stale = bus.Evidence.model_validate(trip("5", 20, start=T0 - dt.timedelta(days=40)))
    future = bus.Evidence.model_validate(trip("5", 20, start=T0 + dt.timedelta(days=2)))
    assert bus.verify(stale, bus.Params(), now).reasons == ("stale",)
    assert bus.verify(future, bus.Params(), now).reasons == ("in_future",)
    bike = v1("bike_share_ride")
    electric = bike.Evidence.model_validate(ride("3", 15) | {"electric": True})
    assert bike.verify(electric, bike.Params(), now).reasons == ("not_eligible",)
    car = v1("car_free_day")
    driven = car.Evidence.model_validate(EXAMPLES[-1][1] | {"odometer_end_km": "130"})
    nev = car.Evidence.model_validate(EXAMPLES[-1][1] | {"fuel": "electric"})
    assert car.verify(driven, car.Params(), now).reasons == ("driven",)
    assert car.verify(nev, car.Params(), now).reasons == ("not_eligible",)
    pv = v1("rooftop_solar")
    unregistered = pv.verify(
        pv.Evidence.model_validate(solar("10", *JUNE_21)), pv.Params(), Context(now=AFTER_JUNE, zone=ZONE)
    )
    assert unregistered.reasons == ("unregistered_asset",)
    ev = v1("ev_charging")
    small = ev.Evidence.model_validate(charge("0.4", 1))
    assert ev.verify(small, ev.Params(), now).reasons == ("too_small",)
