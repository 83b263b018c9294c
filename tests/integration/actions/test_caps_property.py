"""Property: whatever trips arrive, in whatever order, a resident's credited day never passes its caps."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.actions.models import Action
from tests.fixtures.databases import engine_for, rolled_back
from tests.integration.actions.conftest import NOW, actions_for, bike, bus, new_resident

DAY = dt.datetime(2026, 11, 17, 5, 0, tzinfo=NOW.tzinfo)
trips = st.lists(
    st.tuples(
        st.sampled_from(["bus_trip", "bike_share_ride"]),
        st.integers(min_value=0, max_value=17 * 60),  # start, minutes after 05:00
        st.integers(min_value=5, max_value=90),  # duration, minutes
        st.integers(min_value=100, max_value=60_000),  # metres
    ),
    min_size=1,
    max_size=25,
)
LIMITS = {"bus_trip": (10, 3000), "bike_share_ride": (6, 2000)}


def test_daily_caps_are_never_exceeded(sqlite_url: str, settings_factory, registry) -> None:  # type: ignore[no-untyped-def]
    runner = asyncio.Runner()
    engine = runner.run(_make_engine(sqlite_url))

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(trips)
    def check(sequence: list[tuple[str, int, int, int]]) -> None:
        runner.run(_run(engine, settings_factory(), registry, sequence))

    try:
        check()
    finally:
        runner.run(engine.dispose())
        runner.close()


async def _make_engine(url: str):  # type: ignore[no-untyped-def]
    return engine_for(url)


async def _run(engine, app_settings, registry, sequence) -> None:  # type: ignore[no-untyped-def]
    async with rolled_back(engine) as database, database.session() as session:
        resident = await new_resident(session)
        service = actions_for(session, app_settings, registry)
        credited: list[Action] = []
        for n, (methodology, start, minutes, metres) in enumerate(sequence):
            begin = DAY + dt.timedelta(minutes=start)
            evidence = (bus if methodology == "bus_trip" else bike)(begin, minutes=minutes, metres=metres)
            recorded = await service.record_action(resident, methodology, evidence, None, f"prop:{n}")
            if recorded.action.status == "accepted":
                credited.append(recorded.action)
        for methodology, (max_count, max_grams) in LIMITS.items():
            mine = [a for a in credited if a.methodology_id == methodology]
            assert len(mine) <= max_count
            assert sum(a.grams for a in mine) <= max_grams
        spans = sorted((a.occurred_at, a) for a in credited)
        for (_, earlier), (_, later) in itertools.pairwise(spans):
            end = dt.datetime.fromisoformat(
                earlier.evidence.get("alighted_at") or earlier.evidence["ended_at"]
            )
            assert end <= later.occurred_at, "accepted trips of one resident never overlap"
