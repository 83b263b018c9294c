"""Registry races on PostgreSQL, each racer on its own connection and transaction: drafts racing for the
same actions never share one, and concurrent sales never sell a unit twice."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from service.errors import DomainError
from service.registry.batches import Period, draft
from service.registry.holdings import add_buyer, held, singleton
from service.registry.models import BatchAction, CreditBatch, HolderKind
from service.registry.operations import sell
from service.registry.verify import verify_registry
from tests.conftest import make_settings
from tests.integration.registry.conftest import charged, consenting, conservative_ev, ev_project, march
from tests.integration.registry.test_holdings import issued_batch

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


@pytest.fixture
def pg_settings(tmp_path, pg_url):  # type: ignore[no-untyped-def]
    return make_settings(tmp_path, pg_url)


async def _attempt(db, action) -> str:  # type: ignore[no-untyped-def]
    async with db.sessions() as session:
        try:
            await action(session)
        except DomainError as refused:
            await session.rollback()
            return refused.code
        await session.commit()
        return "ok"


async def test_racing_drafts_never_put_an_action_in_two_batches(pg_committed, pg_settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with pg_committed.session() as session:
        project = await ev_project(session, registry, await conservative_ev(session, registry))
        resident = await consenting(session)
        actions = await charged(session, pg_settings, registry, resident, [march(d) for d in range(1, 13)])
        await session.commit()
    periods = [
        Period(2026, dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        Period(2026, dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
    ] * 5

    async def racer(period: Period) -> str:
        return await _attempt(
            pg_committed, lambda s: draft(s, pg_settings.zone, project.id, period, "city:1", NOW)
        )

    outcomes = await asyncio.gather(*(racer(p) for p in periods))
    assert outcomes.count("ok") >= 1
    assert set(outcomes) <= {"ok", "period_overlaps", "nothing_to_pool", "batch_conflict"}
    async with pg_committed.session() as session:
        pooled = (await session.scalars(sa.select(BatchAction.action_id))).all()
        assert sorted(pooled) == sorted(actions)  # every action once, none twice
        batches = (await session.scalars(sa.select(CreditBatch))).all()
        assert sum(b.actions for b in batches) == len(actions)
        assert (await verify_registry(session)).ok


async def test_concurrent_sales_never_sell_a_unit_twice(pg_committed, pg_settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with pg_committed.session() as session:
        batch = await issued_batch(session, pg_settings, registry, sessions=14, share="0.1")
        buyers = [(await add_buyer(session, f"买方{n}", NOW)).id for n in range(12)]
        await session.commit()

    async def buy(buyer: int) -> str:
        return await _attempt(
            pg_committed,
            lambda s: sell(s, batch.id, 1, buyer, Decimal("40"), f"R{buyer}", "共青城市", "city:1", NOW),
        )

    outcomes = await asyncio.gather(*(buy(b) for b in buyers))
    assert outcomes.count("ok") == min(batch.units, len(buyers))
    assert set(outcomes) <= {"ok", "not_enough_units"}
    async with pg_committed.session() as session:
        sold = 0
        for buyer in buyers:
            sold += sum(b.units for b in await held(session, buyer, batch.id))
        city = await singleton(session, HolderKind.CITY)
        left = sum(b.units for b in await held(session, city.id, batch.id))
        assert sold + left == batch.units
        assert (await verify_registry(session)).ok
