"""The credibility rules of methodologies v2 that the credit path enforces across actions (methodologies.md):
no double counting between a car-free day and the same day's transit, whatever the order of arrival; one
car at a time on an EVSE, whoever reports it; and credits made before v2 was published keep v1."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from methodologies.bus_trip import BusTripV1
from methodologies.car_free_day import CarFreeDayV1
from service.actions.models import Action
from service.actions.replay import Replayer
from service.audit.models import AuditEntry
from service.methodology.models import ParamVersion
from service.methodology.registry import Registry
from tests.integration.actions.conftest import NOW, actions_for, bike, bus, charging, new_resident

YESTERDAY = (NOW - dt.timedelta(days=1)).date()
MORNING = dt.datetime.combine(YESTERDAY, dt.time(8, 0), NOW.tzinfo)


def parked(day: dt.date = YESTERDAY, plate: str = "赣G12345", median_km: str = "22.4") -> dict[str, Any]:
    return {
        "plate": plate,
        "fuel": "gasoline",
        "date": day.isoformat(),
        "odometer_start_km": "48210.4",
        "odometer_end_km": "48210.4",
        "prior_daily_km": [median_km] * 40,
    }


async def _day(
    service: Any, resident: int, order: list[tuple[str, dict[str, Any]]], tag: str
) -> list[Action]:
    out = []
    for n, (methodology, evidence) in enumerate(order):
        recorded = await service.record_action(resident, methodology, evidence, None, f"{tag}:{n}")
        out.append(recorded.action)
    return out


@pytest.mark.parametrize("car_free_first", [True, False])
async def test_a_day_is_credited_the_larger_of_car_free_and_transit(
    database, settings, registry, car_free_first: bool
) -> None:  # type: ignore[no-untyped-def]
    """methodologies.md: a 3393 g car-free day and a 134 g bus trip the same day total 3393 g, either way."""
    reports = [("car_free_day", parked()), ("bus_trip", bus(MORNING))]
    order = reports if car_free_first else reports[::-1]
    async with database.session() as session:
        resident = await new_resident(session)
        actions = await _day(
            actions_for(session, settings, registry), resident, order, f"day:{car_free_first}"
        )
        assert all(a.status == "accepted" for a in actions)
        by_kind = {a.methodology_id: a.grams for a in actions}
        assert sum(by_kind.values()) == 3393
        if car_free_first:
            assert by_kind == {"car_free_day": 3393, "bus_trip": 0}
        else:
            assert by_kind == {"bus_trip": 134, "car_free_day": 3259}
        exclusive = [c for c in actions[-1].breakdown["caps"] if c.get("exclusive") == "travel_day"]
        assert exclusive[0]["totals_before"] == (
            {"car_free": "0", "transit": "134"}
            if not car_free_first
            else {"car_free": "3393", "transit": "0"}
        )


async def test_every_order_of_a_days_reports_credits_the_larger_total(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    """Trips worth more than the car-free day: the day is credited the trips' total, in every order."""
    reports = [
        ("car_free_day", parked(median_km="10")),  # 1515 g
        ("bus_trip", bus(MORNING, minutes=60, metres=40_000)),  # 1076 g
        ("bike_share_ride", bike(MORNING + dt.timedelta(hours=3), minutes=60, metres=12_000)),  # 480 g
        ("bus_trip", bus(MORNING + dt.timedelta(hours=6), minutes=30, metres=10_000)),  # 269 g
    ]
    async with database.session() as session:
        for n, order in enumerate(itertools.permutations(reports)):
            resident = await new_resident(session, f"139{n:08d}")
            order = tuple(  # each resident's own car: one plate's day is credited once, to anyone
                (m, e | {"plate": f"赣G{n:05d}"}) if m == "car_free_day" else (m, e) for m, e in order
            )
            service = actions_for(session, settings, registry)
            actions = await _day(service, resident, list(order), f"perm:{n}")
            assert sum(a.grams for a in actions) == max(1515, 1076 + 480 + 269), order
            assert {a.status for a in actions} == {"accepted"}


async def test_a_different_day_is_not_shared(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await new_resident(session)
        service = actions_for(session, settings, registry)
        earlier = MORNING - dt.timedelta(days=1)
        actions = await _day(service, resident, [("car_free_day", parked()), ("bus_trip", bus(earlier))], "x")
        assert [a.grams for a in actions] == [3393, 134]


async def test_an_evse_charges_one_car_at_a_time_across_residents(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        first, second, third = [await new_resident(session, f"1390000002{n}") for n in range(3)]
        service = actions_for(session, settings, registry)
        start = NOW - dt.timedelta(days=1)
        mine = await service.record_action(first, "ev_charging", charging(start, "S-A"), None, "evse:1")
        # Another operator session id, another resident, the same EVSE, overlapping hours.
        overlapping = charging(start + dt.timedelta(hours=2), "S-B")
        theirs = await service.record_action(second, "ev_charging", overlapping, None, "evse:2")
        assert (mine.action.status, mine.action.grams) == ("accepted", 12491)
        assert (theirs.action.status, theirs.action.reasons) == ("rejected", ["evse_overlap"])
        assert theirs.action.context["overlapping"] == [mine.action.id]
        # The same hours on another EVSE, and the same EVSE once the first car has left, are fine.
        elsewhere = overlapping | {"session_id": "S-C", "evse_id": "CN*TNB*E0002"}
        other_evse = await service.record_action(second, "ev_charging", elsewhere, None, "evse:3")
        after = charging(start + dt.timedelta(hours=5, minutes=1), "S-D")
        later = await service.record_action(third, "ev_charging", after, None, "evse:4")
        assert (other_evse.action.status, later.action.status) == ("accepted", "accepted")


async def test_credits_made_before_v2_was_published_keep_v1(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    """A deployment credited under 1.0.0, then upgraded: the upgrade publishes parameter version 2 (audited,
    with what changed), new credits use 2.0.0, old ones keep version 1 and replay exactly."""
    before_upgrade = Registry()
    before_upgrade.add("bus_trip", (BusTripV1(),))
    before_upgrade.add("car_free_day", (CarFreeDayV1(),))
    v1_parked = {
        "vehicle_ref": "partner-hash-1",
        "fuel": "gasoline",
        "date": YESTERDAY.isoformat(),
        "odometer_start_km": "100",
        "odometer_end_km": "100.2",
    }
    async with database.session() as session:
        resident = await new_resident(session)
        old = actions_for(session, settings, before_upgrade)
        old_trip = (await old.record_action(resident, "bus_trip", bus(MORNING), None, "old:1")).action
        old_day = (await old.record_action(resident, "car_free_day", v1_parked, None, "old:2")).action
        assert (old_trip.code_version, old_trip.params_version, old_trip.grams) == ("1.0.0", 1, 134)
        assert (old_day.code_version, old_day.params_version, old_day.grams) == ("1.0.0", 1, 4770)

        new = actions_for(session, settings, registry)
        trip = bus(MORNING + dt.timedelta(hours=2), minutes=35, metres=12_400)
        new_trip = (await new.record_action(resident, "bus_trip", trip, None, "new:1")).action
        assert (new_trip.code_version, new_trip.params_version, new_trip.grams) == ("2.0.0", 2, 333)
        shipped = await session.scalar(
            sa.select(ParamVersion).where(
                ParamVersion.methodology_id == "bus_trip", ParamVersion.version == 2
            )
        )
        assert shipped is not None
        assert (shipped.code_version, shipped.created_by) == ("2.0.0", "system")
        assert shipped.overrides == {"conservativeness": "1.0"}  # what 2.0.0 sets differently from v1
        audited = await session.scalar(
            sa.select(AuditEntry).where(
                AuditEntry.action == "methodology.params.publish", AuditEntry.target == "methodology:bus_trip"
            )
        )
        assert audited is not None
        assert audited.details["version"] == 2

        checked, differing = await Replayer(session, settings, registry).replay(
            MORNING - dt.timedelta(days=2)
        )
        assert (checked, differing) == (3, [])
        assert Decimal(
            (await Replayer(session, settings, registry).explain(old_trip.id)).breakdown["exact_grams"]
        ) == Decimal("134.5")


def _odometer(km: int, start: dt.datetime, days: int = 7) -> dict[str, Any]:
    return {
        "vin": "LGXCE4CB0P0123456",
        "powertrain": "bev",
        "vehicle_use": "private",
        "period_start": start.isoformat(),
        "period_end": (start + dt.timedelta(days=days)).isoformat(),
        "odometer_start_km": "18000.0",
        "odometer_end_km": f"{18000 + km}.0",
    }


@pytest.mark.parametrize("charging_first", [True, False])
async def test_an_ev_is_credited_by_charging_or_by_odometer_never_both(  # type: ignore[no-untyped-def]
    database, settings, registry, charging_first: bool
) -> None:
    """methodologies.md: one crediting route per EV. 30 kWh charged (12491 g) and 1,000 km driven (66619 g)
    in one month: the month is credited the larger route, 66619 g, in either order."""
    week = dt.datetime.combine(YESTERDAY - dt.timedelta(days=7), dt.time(0), NOW.tzinfo)
    session_evidence = charging(week + dt.timedelta(days=1, hours=19), "S-R")
    reports = [("ev_charging", session_evidence), ("nev_driving", _odometer(1000, week))]
    order = reports if charging_first else reports[::-1]
    async with database.session() as session:
        resident = await new_resident(session)
        actions = await _day(
            actions_for(session, settings, registry), resident, order, f"ev:{charging_first}"
        )
        assert {a.status for a in actions} == {"accepted"}
        credited = {a.methodology_id: a.grams for a in actions}
        assert sum(credited.values()) == 66619
        if charging_first:
            assert credited == {"ev_charging": 12491, "nev_driving": 66619 - 12491}
        else:
            assert credited == {"nev_driving": 66619, "ev_charging": 0}
        shared = [c for c in actions[-1].breakdown["caps"] if c.get("exclusive") == "ev_route"]
        assert shared[0]["member"] == ("odometer" if charging_first else "charging")
