"""recyclables_dropoff through the real credit path on the embedded SQLite database.

Whatever tickets arrive, for whichever residents and in whatever order: a ticket is credited at most once,
and a resident's credited kg never pass 20 a local day or 100 a calendar month.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

import methodologies.recyclables_dropoff as package
from service.actions.models import Action
from service.actions.service import ActionService
from service.city.rollups import RollupLog
from service.methodology.registry import Registry
from service.settings import Settings
from tests.conftest import make_settings
from tests.fixtures.databases import engine_for, rolled_back
from tests.integration.actions.conftest import NOW, ZONE, new_resident
from tests.methodologies.recyclables_dropoff.test_recyclables_dropoff import ticket

SLUG = "recyclables_dropoff"
METHODOLOGY = package.VERSIONS[0]
PARAMS = METHODOLOGY.Params()
# Days of November and October 2026 (NOW is 2026-11-20 20:00); 15 October is past the 30-day window.
DAYS = [dt.date(2026, 11, d) for d in (2, 5, 8, 11, 14, 17, 19, 20)] + [
    dt.date(2026, 10, d) for d in (15, 25, 31)
]
TICKETS = [f"RB-{n:04d}" for n in range(1, 7)]

reports = st.builds(
    lambda number, day, hour, lines: ticket(
        *[(material, str(kg)) for material, kg in lines],
        at=dt.datetime.combine(day, dt.time(hour), tzinfo=ZONE),
        ticket=number,
    ),
    st.sampled_from(TICKETS),
    st.sampled_from(DAYS),
    st.integers(min_value=7, max_value=19),
    st.lists(
        st.tuples(
            st.sampled_from(["paper", "plastic", "steel", "aluminium"]),
            st.decimals(min_value=Decimal("0.1"), max_value=15, places=3),
        ),
        min_size=1,
        max_size=3,
    ),
)

Arrival = tuple[int, dict[str, Any]]


@st.composite
def arrivals(draw: st.DrawFn) -> tuple[list[Arrival], list[Arrival]]:
    """A few distinct tickets, each arriving one or more times for one of two residents; and the same
    arrivals in another order."""
    pool = draw(st.lists(reports, min_size=1, max_size=10))
    sequence = draw(
        st.lists(
            st.tuples(st.integers(min_value=0, max_value=1), st.sampled_from(pool)), min_size=1, max_size=16
        )
    )
    return sequence, draw(st.permutations(sequence))


# One resident brings 19 kg on six days of November: five are credited (95 kg), the sixth passes 100 kg.
_HEAVY = [
    (0, ticket(("paper", "19"), at=dt.datetime(2026, 11, d, 10, tzinfo=ZONE), ticket=f"RB-9{d:03d}"))
    for d in (2, 5, 8, 11, 14, 17)
]
MONTHLY = (_HEAVY, list(reversed(_HEAVY)))
# Two tickets on one day past 20 kg together, the second also reported for the other resident.
_DAY = [
    ticket(("paper", "12"), at=dt.datetime(2026, 11, 19, 9, tzinfo=ZONE), ticket="RB-8001"),
    ticket(("plastic", "9.5"), at=dt.datetime(2026, 11, 19, 17, tzinfo=ZONE), ticket="RB-8002"),
]
DAILY = ([(0, _DAY[0]), (0, _DAY[1]), (1, _DAY[1])], [(0, _DAY[1]), (1, _DAY[1]), (0, _DAY[0])])


@pytest.fixture(scope="module")
def app_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(tmp_path_factory.mktemp(SLUG), None)


def test_caps_hold_and_no_ticket_is_credited_twice(sqlite_url: str, app_settings: Settings) -> None:
    registry = Registry()
    registry.add(SLUG, package.VERSIONS)
    runner = asyncio.Runner()
    engine = runner.run(_make_engine(sqlite_url))

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(arrivals())
    @example(MONTHLY)
    @example(DAILY)
    def check(orders: tuple[list[Arrival], ...]) -> None:
        for order in orders:
            runner.run(_run(engine, app_settings, registry, order))

    try:
        check()
    finally:
        runner.run(engine.dispose())
        runner.close()


async def _make_engine(url: str) -> AsyncEngine:
    return engine_for(url)


async def _run(
    engine: AsyncEngine, app_settings: Settings, registry: Registry, order: list[Arrival]
) -> list[tuple[int, dict[str, Any], Action]]:
    async with rolled_back(engine) as database, database.session() as session:
        residents = [await new_resident(session, "13900000001"), await new_resident(session, "13900000002")]
        service = ActionService(session, app_settings, registry, clock=lambda: NOW, rollups=RollupLog())
        recorded: list[tuple[int, dict[str, Any], Action]] = []
        for n, (who, evidence) in enumerate(order):
            result = await service.record_action(residents[who], SLUG, evidence, None, f"src:{n}")
            assert result.created
            recorded.append((residents[who], evidence, result.action))

        per_day: dict[tuple[int, dt.date], Decimal] = defaultdict(Decimal)
        per_month: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        credited_tickets: set[str] = set()
        for resident, evidence, action in recorded:
            if action.status != "accepted":
                assert action.grams == 0
                if evidence["ticket"] in credited_tickets:
                    assert "duplicate_evidence" in action.reasons
                continue
            assert evidence["ticket"] not in credited_tickets, "a ticket is credited once, ever"
            credited_tickets.add(evidence["ticket"])
            parsed = METHODOLOGY.Evidence.model_validate(evidence)
            assert parsed.total_kg <= PARAMS.max_ticket_kg
            assert NOW - parsed.dropped_at <= dt.timedelta(days=PARAMS.stale_days)
            assert action.grams == METHODOLOGY.quantify(parsed, PARAMS).grams
            local = parsed.dropped_at.astimezone(ZONE).date()
            per_day[(resident, local)] += parsed.total_kg
            per_month[(resident, local.strftime("%Y-%m"))] += parsed.total_kg
        assert all(kg <= PARAMS.daily_max_kg for kg in per_day.values())
        assert all(kg <= PARAMS.monthly_max_kg for kg in per_month.values())
        return recorded


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (MONTHLY[0], [("accepted", [])] * 5 + [("rejected", ["monthly_cap"])]),
        (DAILY[0], [("accepted", []), ("rejected", ["daily_cap"]), ("accepted", [])]),
        (DAILY[1], [("accepted", []), ("rejected", ["duplicate_evidence"]), ("rejected", ["daily_cap"])]),
    ],
)
def test_the_readme_examples_through_the_credit_path(
    sqlite_url: str, app_settings: Settings, order: list[Arrival], expected: list[tuple[str, list[str]]]
) -> None:
    registry = Registry()
    registry.add(SLUG, package.VERSIONS)
    runner = asyncio.Runner()
    engine = runner.run(_make_engine(sqlite_url))
    try:
        recorded = runner.run(_run(engine, app_settings, registry, order))
    finally:
        runner.run(engine.dispose())
        runner.close()
    assert [(str(a.status), list(a.reasons)) for _, _, a in recorded] == expected
