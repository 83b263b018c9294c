"""Races on PostgreSQL with real commits: many donations from one wallet, and retries of one key."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from service.db.engine import Database
from service.donations.models import Donation
from service.donations.service import donate
from service.errors import DomainError
from service.ledger.verify import verify_ledger
from service.settings import Settings
from tests.conftest import make_settings
from tests.integration.donations.conftest import balance, funded_resident, new_project

NOW = dt.datetime(2026, 11, 20, 4, 0, tzinfo=dt.UTC)


@pytest.fixture
def pg_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, None)


async def _funded(db: Database, settings: Settings, coins: int) -> tuple[int, int]:
    async with db.session() as session:
        giver = await funded_resident(session, settings, coins)
        project = await new_project(session, settings)
        await session.commit()
        return giver, project.id


def _donor(db: Database, settings: Settings, giver: int, project: int):  # type: ignore[no-untyped-def]
    async def give(coins: int, key: str | None = None) -> object:
        try:
            async with db.session() as session:
                donation, created = await donate(
                    session, settings, giver, project, coins, client_key=key, now=NOW
                )
                await session.commit()
                return ("made" if created else "replayed", donation.id)
        except DomainError as refused:
            return f"{refused.status} {refused.code}"

    return give


async def test_concurrent_donations_from_one_wallet_never_overdraw(pg_committed, pg_settings) -> None:  # type: ignore[no-untyped-def]
    giver, project = await _funded(pg_committed, pg_settings, 100)  # affords 14 gifts of 7
    give = _donor(pg_committed, pg_settings, giver, project)
    outcomes = await asyncio.gather(*(give(7) for _ in range(40)))
    kinds = Counter(o if isinstance(o, str) else o[0] for o in outcomes)
    assert kinds == {"made": 14, "409 insufficient_funds": 26}
    async with pg_committed.session() as session:
        assert await balance(session, f"wallet:{giver}") == (2, 0)
        assert await balance(session, f"project:{project}") == (98, 0)
        assert await session.scalar(sa.select(sa.func.sum(Donation.coins))) == 98
        report = await verify_ledger(session)
        assert report.ok, report.as_text()


async def test_racing_retries_of_one_key_give_once(pg_committed, pg_settings) -> None:  # type: ignore[no-untyped-def]
    giver, project = await _funded(pg_committed, pg_settings, 100)
    give = _donor(pg_committed, pg_settings, giver, project)
    outcomes = await asyncio.gather(*(give(10, "same-key") for _ in range(12)))
    made = [o for o in outcomes if isinstance(o, tuple) and o[0] == "made"]
    assert len(made) == 1, outcomes
    assert {o[1] for o in outcomes if isinstance(o, tuple)} == {made[0][1]}
    assert all(isinstance(o, tuple) or o == "409 in_progress" for o in outcomes), outcomes
    async with pg_committed.session() as session:
        assert await balance(session, f"wallet:{giver}") == (90, 0)
        assert await session.scalar(sa.select(sa.func.count()).select_from(Donation)) == 1
        report = await verify_ledger(session)
        assert report.ok, report.as_text()
