"""second_hand_phone through the real credit path (embedded SQLite): whatever purchases arrive, repeated, in
whatever order, one handset is credited at most once in 24 months and a resident at most 2 phones a year."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections import Counter, defaultdict
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

import methodologies.second_hand_phone as second_hand_phone
from service.actions.models import Action
from service.actions.service import ActionService
from service.city.rollups import RollupLog
from service.methodology.registry import Registry
from service.settings import Settings
from tests.conftest import make_settings
from tests.fixtures.databases import engine_for, rolled_back
from tests.integration.actions.conftest import new_resident

ZONE = ZoneInfo("Asia/Shanghai")
FIRST_MONTH = dt.datetime(2024, 1, 1, 12, 0, tzinfo=ZONE)
IMEIS = ("860000000000011", "860000000000029", "860000000000037")
TWO_YEARS = relativedelta(months=24)

# (resident index, evidence, when the service checks it)
Purchase = tuple[int, dict[str, Any], dt.datetime]


def registry() -> Registry:
    built = Registry()
    built.add("second_hand_phone", second_hand_phone.VERSIONS)
    return built


def phone(imei: str, bought_at: dt.datetime, condition: str = "used") -> dict[str, Any]:
    return {"imei": imei, "bought_at": bought_at.isoformat(), "condition": condition}


@st.composite
def one_purchase(draw: st.DrawFn, imei: str) -> Purchase:
    """A purchase of ``imei`` some months after FIRST_MONTH, give or take two days, reported within the
    staleness window: often in the first year (the yearly cap) or near 24 months after another of its
    handset."""
    months = draw(st.integers(min_value=0, max_value=11) | st.sampled_from([23, 24, 25, 36]))
    jitter = dt.timedelta(hours=draw(st.integers(min_value=-48, max_value=48)))
    bought_at = FIRST_MONTH + relativedelta(months=months) + jitter
    condition = draw(st.sampled_from(["used", "used", "used", "refurbished", "new"]))
    checked_at = bought_at + dt.timedelta(hours=draw(st.integers(min_value=0, max_value=29 * 24)))
    resident = draw(st.sampled_from([0, 0, 0, 1]))
    return resident, phone(imei, bought_at, condition), checked_at


@st.composite
def arrivals(draw: st.DrawFn) -> list[Purchase]:
    """A pool of purchases, some of one handset, each sent at least once, in any order, some twice."""
    pool: list[Purchase] = []
    for n in range(draw(st.integers(min_value=1, max_value=12))):
        resold = bool(pool) and draw(st.booleans())
        imei = draw(st.sampled_from([p[1]["imei"] for p in pool])) if resold else f"86{n:013d}"
        pool.append(draw(one_purchase(imei)))
    again = draw(st.lists(st.integers(min_value=0, max_value=len(pool) - 1), max_size=6))
    return [pool[i] for i in draw(st.permutations([*range(len(pool)), *again]))]


def test_one_handset_credits_once_in_24_months_and_caps_hold(
    sqlite_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    runner = asyncio.Runner()
    engine = runner.run(_make_engine(sqlite_url))
    app_settings = make_settings(tmp_path_factory.mktemp("second_hand_phone"), None)
    methodologies = registry()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(arrivals())
    def check(sequence: list[Purchase]) -> None:
        runner.run(_run(engine, app_settings, methodologies, sequence))

    try:
        check()
    finally:
        runner.run(engine.dispose())
        runner.close()


async def _make_engine(url: str) -> AsyncEngine:
    return engine_for(url)


async def _run(
    engine: AsyncEngine, app_settings: Settings, methodologies: Registry, sequence: list[Purchase]
) -> None:
    async with rolled_back(engine) as database, database.session() as session:
        residents = [await new_resident(session, f"1390000000{i}") for i in range(2)]
        credited: list[Action] = []
        for n, (who, evidence, checked_at) in enumerate(sequence):
            service = ActionService(
                session, app_settings, methodologies, clock=lambda at=checked_at: at, rollups=RollupLog()
            )
            action = (
                await service.record_action(residents[who], "second_hand_phone", evidence, None, f"src:{n}")
            ).action
            if action.status == "accepted":
                assert action.grams == 12500
                credited.append(action)
            else:
                assert action.grams == 0
        assert_once_per_handset_in_24_months(credited)
        assert_yearly_cap_holds(credited)


def assert_once_per_handset_in_24_months(credited: list[Action]) -> None:
    by_handset = defaultdict(list)
    for action in credited:
        by_handset[action.evidence["imei"]].append(dt.datetime.fromisoformat(action.evidence["bought_at"]))
    for purchases in by_handset.values():
        for earlier, later in itertools.pairwise(sorted(purchases)):
            assert later >= earlier + TWO_YEARS, f"one handset credited on {earlier} and on {later}"


def assert_yearly_cap_holds(credited: list[Action]) -> None:
    per_year = Counter((a.resident_id, a.occurred_at.astimezone(ZONE).year) for a in credited)
    assert all(count <= 2 for count in per_year.values()), per_year


# -- the same rules, one case at a time ---------------------------------------------------------------------


async def test_a_third_phone_in_a_year_is_past_the_cap(sqlite_url: str, tmp_path: Any) -> None:
    march, june, september = (dt.datetime(2026, m, 10, 12, 0, tzinfo=ZONE) for m in (3, 6, 9))
    outcomes = await _record(
        sqlite_url,
        tmp_path,
        [
            (phone(IMEIS[0], march), march),
            (phone(IMEIS[1], june), june),
            (phone(IMEIS[2], september), september),
            (phone(IMEIS[2], september + relativedelta(months=4)), september + relativedelta(months=4)),
        ],
    )
    assert outcomes == [
        ("accepted", 12500, []),
        ("accepted", 12500, []),
        ("rejected", 0, ["yearly_cap"]),
        ("accepted", 12500, []),  # January: a new year
    ]


async def test_one_handset_in_24_months_credits_once_in_any_order(sqlite_url: str, tmp_path: Any) -> None:
    later = dt.datetime(2026, 11, 18, 15, 32, tzinfo=ZONE)
    earlier = later - relativedelta(months=23)
    long_before = later - relativedelta(months=24)
    day = dt.timedelta(days=1)
    outcomes = await _record(
        sqlite_url,
        tmp_path,
        [
            (phone(IMEIS[0], later), later + day),
            # Reported after the later purchase: history does not see it, the occupied 24 months do.
            (phone(IMEIS[0], earlier), earlier + day),
            (phone(IMEIS[0], later), later + day),  # the same sale again
            (phone(IMEIS[0], long_before), long_before + day),
        ],
    )
    assert outcomes == [
        ("accepted", 12500, []),
        ("rejected", 0, ["resold_too_soon"]),
        ("rejected", 0, ["duplicate_evidence", "resold_too_soon"]),
        ("accepted", 12500, []),
    ]


async def _record(
    sqlite_url: str, tmp_path: Any, reports: list[tuple[dict[str, Any], dt.datetime]]
) -> list[tuple[str, int, list[str]]]:
    engine = engine_for(sqlite_url)
    try:
        async with rolled_back(engine) as database, database.session() as session:
            resident = await new_resident(session)
            app_settings, methodologies = make_settings(tmp_path, None), registry()
            outcomes = []
            for n, (evidence, checked_at) in enumerate(reports):
                service = ActionService(
                    session, app_settings, methodologies, clock=lambda at=checked_at: at, rollups=RollupLog()
                )
                action = (
                    await service.record_action(resident, "second_hand_phone", evidence, None, f"n:{n}")
                ).action
                outcomes.append((action.status, action.grams, sorted(action.reasons)))
            return outcomes
    finally:
        await engine.dispose()
