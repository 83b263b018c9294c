"""nev_driving through the real credit path (embedded SQLite): whatever odometer reports arrive, repeated or
overlapping, in whatever order, no km of a car is credited twice and the monthly caps hold."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections import defaultdict
from decimal import ROUND_FLOOR, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

import methodologies.nev_driving as nev_driving
from service.actions.models import Action
from service.actions.service import ActionService
from service.city.rollups import RollupLog
from service.methodology.registry import Registry
from service.settings import Settings
from tests.conftest import make_settings
from tests.fixtures.databases import engine_for, rolled_back
from tests.integration.actions.conftest import new_resident

ZONE = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 20, 0, tzinfo=ZONE)
EARLIEST = NOW - dt.timedelta(days=29)  # every generated period ends inside the staleness window
PER_KM = Decimal("66.619")
MONTHLY_GRAMS = 133238  # 2,000 km x 66.619 g
VINS = ("LGXCE4CB0P0000001", "LGXCE4CB0P0000002", "LGXCE4CB0P0000003")


def registry() -> Registry:
    built = Registry()
    built.add("nev_driving", nev_driving.VERSIONS)
    return built


def odometer_report(
    vin: str, start: dt.datetime, end: dt.datetime, start_km: Decimal, km: Decimal
) -> dict[str, Any]:
    return {
        "vin": vin,
        "powertrain": "bev",
        "vehicle_use": "private",
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "odometer_start_km": str(start_km),
        "odometer_end_km": str(start_km + km),
    }


@st.composite
def one_report(draw: st.DrawFn) -> tuple[int, dict[str, Any]]:
    """(resident index, evidence): a plausible report, often overlapping others in time or in km."""
    resident = draw(st.integers(min_value=0, max_value=1))
    vin = draw(st.sampled_from(VINS))
    start = EARLIEST + dt.timedelta(hours=draw(st.integers(min_value=0, max_value=28 * 24)))
    end = min(start + dt.timedelta(hours=draw(st.integers(min_value=1, max_value=8 * 24))), NOW)
    days = Decimal((end - start) // dt.timedelta(hours=1)) / 24
    start_km = Decimal(10_000 + 100 * draw(st.integers(min_value=0, max_value=150)))
    # Long distances, often: a resident's or a car's month then reaches its cap.
    km = draw(
        st.decimals(min_value=0, max_value=3000, places=1)
        | st.decimals(min_value=1200, max_value=3000, places=1)
    )
    plausible = (500 * max(days, Decimal(1))).quantize(Decimal("0.1"), rounding=ROUND_FLOOR)
    return resident, odometer_report(vin, start, end, start_km, min(km, plausible))


@st.composite
def arrivals(draw: st.DrawFn) -> list[tuple[int, dict[str, Any]]]:
    """A pool of reports, each sent at least once, in any order, some twice."""
    pool = draw(st.lists(one_report(), min_size=1, max_size=8))
    again = draw(st.lists(st.integers(min_value=0, max_value=len(pool) - 1), max_size=6))
    return [pool[i] for i in draw(st.permutations([*range(len(pool)), *again]))]


def test_no_km_is_credited_twice_and_caps_hold(
    sqlite_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    runner = asyncio.Runner()
    engine = runner.run(_make_engine(sqlite_url))
    app_settings = make_settings(tmp_path_factory.mktemp("nev_driving"), None)
    methodologies = registry()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(arrivals())
    def check(sequence: list[tuple[int, dict[str, Any]]]) -> None:
        runner.run(_run(engine, app_settings, methodologies, sequence))

    try:
        check()
    finally:
        runner.run(engine.dispose())
        runner.close()


async def _make_engine(url: str) -> AsyncEngine:
    return engine_for(url)


async def _run(
    engine: AsyncEngine,
    app_settings: Settings,
    methodologies: Registry,
    sequence: list[tuple[int, dict[str, Any]]],
) -> None:
    async with rolled_back(engine) as database, database.session() as session:
        residents = [await new_resident(session, f"1390000000{i}") for i in range(2)]
        service = ActionService(session, app_settings, methodologies, clock=lambda: NOW, rollups=RollupLog())
        credited: list[Action] = []
        for n, (who, evidence) in enumerate(sequence):
            recorded = await service.record_action(residents[who], "nev_driving", evidence, None, f"src:{n}")
            action = recorded.action
            if action.status == "accepted":
                credited.append(action)
            else:
                assert action.grams == 0
        assert_never_twice(credited)
        assert_caps_hold(credited)


def assert_never_twice(credited: list[Action]) -> None:
    """No two credited reports of one vehicle share a km of its odometer or an instant of its time."""
    by_vehicle = defaultdict(list)
    for action in credited:
        by_vehicle[action.evidence["vin"]].append(action.evidence)
    for reports in by_vehicle.values():
        for a, b in itertools.combinations(reports, 2):
            a_km, b_km = _km_range(a), _km_range(b)
            assert a_km[1] <= b_km[0] or b_km[1] <= a_km[0] or a_km[0] == a_km[1] or b_km[0] == b_km[1], (
                f"odometer ranges {a_km} and {b_km} of one vehicle were both credited"
            )
            a_at, b_at = _period(a), _period(b)
            assert a_at[1] <= b_at[0] or b_at[1] <= a_at[0], "periods of one vehicle were both credited"


def assert_caps_hold(credited: list[Action]) -> None:
    per_resident: dict[tuple[int, str], int] = defaultdict(int)
    per_vehicle: dict[tuple[str, str], int] = defaultdict(int)
    for action in credited:
        low, high = _km_range(action.evidence)
        assert action.grams <= int((high - low) * PER_KM), "a clipped report is never worth more than its km"
        month = action.occurred_at.astimezone(ZONE).strftime("%Y-%m")
        per_resident[(action.resident_id, month)] += action.grams
        per_vehicle[(action.evidence["vin"], month)] += action.grams
    assert all(grams <= MONTHLY_GRAMS for grams in per_resident.values())
    assert all(grams <= MONTHLY_GRAMS for grams in per_vehicle.values())


def _km_range(evidence: dict[str, Any]) -> tuple[Decimal, Decimal]:
    return Decimal(evidence["odometer_start_km"]), Decimal(evidence["odometer_end_km"])


def _period(evidence: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime.fromisoformat(evidence["period_start"]), dt.datetime.fromisoformat(
        evidence["period_end"]
    )


# -- the same rules, one case at a time ---------------------------------------------------------------------


async def test_reports_arriving_out_of_order_never_credit_a_km_twice(sqlite_url: str, tmp_path: Any) -> None:
    november = (dt.datetime(2026, 11, 1, tzinfo=ZONE), dt.datetime(2026, 11, 10, tzinfo=ZONE))
    late_october = (dt.datetime(2026, 10, 25, tzinfo=ZONE), dt.datetime(2026, 11, 1, tzinfo=ZONE))
    later = odometer_report(VINS[0], *november, Decimal("11500"), Decimal("1000"))
    # Sent after the later one: its period ends first, so history does not see the later report, but its
    # km (11,000-12,000) overlap the credited 11,500-12,500.
    earlier = odometer_report(VINS[0], *late_october, Decimal("11000"), Decimal("1000"))
    disjoint = odometer_report(VINS[0], *late_october, Decimal("10000"), Decimal("1000"))
    outcomes = await _record(sqlite_url, tmp_path, [later, earlier, later, disjoint])
    assert outcomes == [
        ("accepted", 66619, []),
        ("rejected", 0, ["meter_rollback"]),  # its km range meets the credited one
        ("rejected", 0, ["meter_rollback", "overlap"]),  # a repeat: history, its period and its km
        ("accepted", 66619, []),
    ]


async def test_a_month_is_clipped_at_2000_km(sqlite_url: str, tmp_path: Any) -> None:
    first = (dt.datetime(2026, 11, 1, tzinfo=ZONE), dt.datetime(2026, 11, 5, tzinfo=ZONE))
    second = (first[1], dt.datetime(2026, 11, 9, tzinfo=ZONE))
    third = (second[1], dt.datetime(2026, 11, 13, tzinfo=ZONE))
    outcomes = await _record(
        sqlite_url,
        tmp_path,
        [
            odometer_report(VINS[0], *first, Decimal("10000"), Decimal("1500")),
            odometer_report(VINS[0], *second, Decimal("11500"), Decimal("1500")),
            odometer_report(VINS[0], *third, Decimal("13000"), Decimal("100")),
        ],
    )
    assert outcomes == [
        ("accepted", 99928, []),
        ("accepted", MONTHLY_GRAMS - 99928, []),
        ("rejected", 0, ["monthly_cap"]),
    ]


async def _record(
    sqlite_url: str, tmp_path: Any, reports: list[dict[str, Any]]
) -> list[tuple[str, int, list[str]]]:
    engine = engine_for(sqlite_url)
    try:
        async with rolled_back(engine) as database, database.session() as session:
            resident = await new_resident(session)
            service = ActionService(
                session, make_settings(tmp_path, None), registry(), clock=lambda: NOW, rollups=RollupLog()
            )
            outcomes = []
            for n, evidence in enumerate(reports):
                action = (
                    await service.record_action(resident, "nev_driving", evidence, None, f"n:{n}")
                ).action
                outcomes.append((action.status, action.grams, sorted(action.reasons)))
            return outcomes
    finally:
        await engine.dispose()
