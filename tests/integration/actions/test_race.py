"""Races on PostgreSQL: concurrent reports of overlapping trips or of one source credit exactly once."""

from __future__ import annotations

import asyncio
import datetime as dt

import sqlalchemy as sa

from service.actions.models import Action
from service.ledger.models import Account
from service.ledger.verify import verify_ledger
from tests.integration.actions.conftest import NOW, actions_for, bus, new_resident


async def test_overlapping_trips_reported_at_once_credit_one(
    pg_committed, tmp_path, registry, settings_factory
) -> None:  # type: ignore[no-untyped-def]
    settings = settings_factory(pg_committed)
    async with pg_committed.session() as session:
        resident = await new_resident(session)
    start = NOW - dt.timedelta(hours=3)

    async def report(n: int) -> str:
        async with pg_committed.session() as session:
            trip = bus(start + dt.timedelta(minutes=n % 5), minutes=20)
            recorded = await actions_for(session, settings, registry).record_action(
                resident, "bus_trip", trip, None, f"race:{n}"
            )
            return recorded.action.status

    statuses = await asyncio.gather(*(report(n) for n in range(30)))
    assert statuses.count("accepted") == 1
    async with pg_committed.session() as session:
        assert (
            await session.scalar(sa.select(Account.balance).where(Account.code == f"wallet:{resident}")) == 13
        )
        assert (await verify_ledger(session)).ok


async def test_one_source_reported_concurrently_is_one_action(
    pg_committed, registry, settings_factory
) -> None:  # type: ignore[no-untyped-def]
    settings = settings_factory(pg_committed)
    async with pg_committed.session() as session:
        resident = await new_resident(session)

    async def report() -> int:
        async with pg_committed.session() as session:
            recorded = await actions_for(session, settings, registry).record_action(
                resident, "bus_trip", bus(NOW - dt.timedelta(hours=2)), None, "race:same-source"
            )
            return recorded.action.id

    ids = await asyncio.gather(*(report() for _ in range(20)))
    assert len(set(ids)) == 1
    async with pg_committed.session() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Action)) == 1
        assert (
            await session.scalar(sa.select(Account.balance).where(Account.code == f"wallet:{resident}")) == 13
        )
