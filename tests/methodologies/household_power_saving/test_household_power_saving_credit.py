"""household_power_saving through the real credit path on the embedded SQLite database.

Whatever reports arrive, for whichever residents and in whatever order: an account's month is credited at
most once, a resident is credited at most one account a month, and no credit passes its 30 % ceiling.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

import methodologies.household_power_saving as package
from service.actions.models import Action
from service.actions.service import ActionService
from service.city.rollups import RollupLog
from service.methodology.registry import Registry
from service.settings import Settings
from tests.conftest import make_settings
from tests.fixtures.databases import engine_for, rolled_back
from tests.integration.actions.conftest import NOW, new_resident
from tests.methodologies.household_power_saving.test_household_power_saving import reading

SLUG = "household_power_saving"
METHODOLOGY = package.VERSIONS[0]
PARAMS = METHODOLOGY.Params()
# 2026-08 is stale at NOW (2026-11-20), 2026-11 is not over; 2026-09 and 2026-10 can be credited.
MONTHS = ["2026-08", "2026-09", "2026-10", "2026-11"]
FRESH = ["2026-09", "2026-10"]
ACCOUNTS = ["3601000000001", "3601000000002", "3601000000003"]

reports = st.builds(
    lambda account, month, kwh, history, tier, pv: reading(
        str(kwh), [str(k) for k in history], month=month, account=account, tariff_tier=tier, has_pv=pv
    ),
    st.sampled_from(ACCOUNTS),
    st.sampled_from(FRESH * 4 + MONTHS),
    st.decimals(min_value=40, max_value=400, places=1),
    st.lists(st.integers(min_value=150, max_value=400), min_size=12, max_size=12),
    st.sampled_from([1] * 5 + [2, 3]),
    st.sampled_from([False] * 6 + [True]),
)

# One resident reports two homes in one month, and the second home again for the other resident.
_HOMES = [reading("150", ["200"] * 12, account=a) for a in ACCOUNTS[:2]]
TWO_HOMES = (
    [(0, _HOMES[0]), (0, _HOMES[1]), (1, _HOMES[1])],
    [(0, _HOMES[1]), (1, _HOMES[1]), (0, _HOMES[0])],
)


@st.composite
def arrivals(draw: st.DrawFn) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, dict[str, Any]]]]:
    """A few distinct reports, each arriving one or more times for one of two residents; and the same
    arrivals in another order."""
    pool = draw(st.lists(reports, min_size=1, max_size=6))
    sequence = draw(
        st.lists(
            st.tuples(st.integers(min_value=0, max_value=1), st.sampled_from(pool)), min_size=1, max_size=14
        )
    )
    return sequence, draw(st.permutations(sequence))


@pytest.fixture(scope="module")
def app_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(tmp_path_factory.mktemp(SLUG), None)


def test_caps_hold_and_no_month_is_credited_twice(sqlite_url: str, app_settings: Settings) -> None:
    registry = Registry()
    registry.add(SLUG, package.VERSIONS)
    runner = asyncio.Runner()
    engine = runner.run(_make_engine(sqlite_url))

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(arrivals())
    @example(TWO_HOMES)
    def check(orders: tuple[list[tuple[int, dict[str, Any]]], ...]) -> None:
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
    engine: AsyncEngine, app_settings: Settings, registry: Registry, order: list[tuple[int, dict[str, Any]]]
) -> list[tuple[int, dict[str, Any], Action]]:
    async with rolled_back(engine) as database, database.session() as session:
        residents = [await new_resident(session, "13900000001"), await new_resident(session, "13900000002")]
        service = ActionService(session, app_settings, registry, clock=lambda: NOW, rollups=RollupLog())
        recorded: list[tuple[int, dict[str, Any], Action]] = []
        for n, (who, evidence) in enumerate(order):
            result = await service.record_action(residents[who], SLUG, evidence, None, f"src:{n}")
            assert result.created
            recorded.append((residents[who], evidence, result.action))

        credited = [(r, e, a) for r, e, a in recorded if a.status == "accepted"]
        per_month = Counter((e["account"], e["month"]) for _, e, _ in credited)
        assert all(count == 1 for count in per_month.values()), "an account's month is credited once, ever"
        per_resident = Counter((r, e["month"]) for r, e, _ in credited)
        assert all(count <= PARAMS.monthly_max_accounts for count in per_resident.values())
        for _, evidence, action in credited:
            assert evidence["month"] in FRESH
            parsed = METHODOLOGY.Evidence.model_validate(evidence)
            assert action.grams == METHODOLOGY.quantify(parsed, PARAMS).grams
            history = [Decimal(m["kwh"]) for m in evidence["previous_months"]]
            baseline = min(history[0], sum(history, Decimal(0)) / 12)
            assert action.grams <= PARAMS.max_saving_ratio * baseline * PARAMS.grid_displaced_g_per_kwh

        # Every report after its account's month was credited is refused as duplicate evidence.
        first_credit: dict[tuple[str, str], int] = {}
        for n, (_, evidence, action) in enumerate(recorded):
            key = (evidence["account"], evidence["month"])
            if key in first_credit:
                assert action.status == "rejected"
                assert "duplicate_evidence" in action.reasons
            elif action.status == "accepted":
                first_credit[key] = n
            if action.status == "rejected":
                assert action.grams == 0
        return recorded


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (TWO_HOMES[0], [("accepted", []), ("rejected", ["monthly_cap"]), ("accepted", [])]),
        (
            TWO_HOMES[1],
            [("accepted", []), ("rejected", ["duplicate_evidence"]), ("rejected", ["monthly_cap"])],
        ),
    ],
)
def test_the_readme_examples_through_the_credit_path(
    sqlite_url: str,
    app_settings: Settings,
    order: list[tuple[int, dict[str, Any]]],
    expected: list[tuple[str, list[str]]],
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
