"""The roll-up log: credits append to it in their own transaction, and folding it counts each action once."""

from __future__ import annotations

import asyncio
import datetime as dt

import sqlalchemy as sa

from service.city import rollups
from service.city.jobs import fold_rollups
from service.city.models import RollupCounter, RollupLogEntry
from service.city.verify import verify_rollups
from service.identity.principal import Role
from tests.conftest import make_settings
from tests.integration.city.conftest import published, trips

DAY = dt.date(2026, 11, 10)


async def _counted(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(actions, grams) in the roll-up counters."""
    c = RollupCounter.__table__.c
    actions, grams = (await session.execute(sa.select(sa.func.sum(c.actions), sa.func.sum(c.grams)))).one()
    return int(actions or 0), int(grams or 0)


async def test_credits_wait_in_the_log_until_folded(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        for district in ("chashan", "jinhu", "jinhu"):
            await trips(session, settings, registry, district, [DAY, DAY + dt.timedelta(days=1)])
        assert await rollups.waiting(session) == 6
        assert await _counted(session) == (0, 0)  # the crediting transactions touched no roll-up row
        before = await verify_rollups(session, settings)
        assert before.ok
        assert before.waiting == 6
        assert before.actions == 6

        assert await rollups.fold(session, settings.city) == 6
        assert await rollups.waiting(session) == 0
        actions, grams = await _counted(session)
        assert actions == 6
        assert grams > 0
        after = await verify_rollups(session, settings)
        assert after.ok
        assert after.waiting == 0
        assert await rollups.fold(session, settings.city) == 0  # folded entries are gone: nothing twice


async def test_a_roll_up_missing_a_folded_entry_is_found(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        await trips(session, settings, registry, "jinhu", [DAY])
        await rollups.fold(session, settings.city)
        await trips(session, settings, registry, "jinhu", [DAY])
        # An entry deleted from the log without being folded: its action is counted nowhere.
        await session.execute(sa.delete(RollupLogEntry))
        report = await verify_rollups(session, settings)
        assert not report.ok
        assert {d["table"] for d in report.differences} >= {"counters", "members"}
        await session.rollback()


async def test_the_job_folds_the_whole_log_a_chunk_at_a_time(
    app, database, settings, registry, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        for _ in range(3):
            await trips(session, settings, registry, "chashan", [DAY, DAY + dt.timedelta(days=2)])
        await session.commit()
    monkeypatch.setattr(rollups, "FOLD_CHUNK", 4)
    context = {**app.state.services.job_context, "job_try": 1}
    assert await fold_rollups(context) == 6
    async with database.session() as session:
        assert await rollups.waiting(session) == 0
        assert (await _counted(session))[0] == 6


async def test_the_city_view_says_how_far_behind_it_is(client, database, settings, registry, bearer) -> None:  # type: ignore[no-untyped-def]
    city = bearer(Role.CITY, "1")
    empty = (await client.get("/v1/city/summary", headers=city)).json()
    assert empty["published_at"] is None
    assert empty["behind_seconds"] is None
    async with database.session() as session:
        for _ in range(10):  # k = 10: the month's total is shown
            await trips(session, settings, registry, "jinhu", [DAY])
        await session.commit()
    summary = (await client.get("/v1/city/summary", headers=city)).json()
    assert summary["waiting_actions"] == 10

    await published(database, settings, registry)  # folds first, then publishes
    for path, params in (
        ("/v1/city/summary", {}),
        ("/v1/city/reductions", {"from": "2026-11-01", "to": "2026-11-30"}),
    ):
        body = (await client.get(path, params=params, headers=city)).json()
        assert body["waiting_actions"] == 0
        assert body["published_at"] is not None
        assert 0 <= body["behind_seconds"] < 60
    reductions = (
        await client.get(
            "/v1/city/reductions", params={"from": "2026-11-01", "to": "2026-11-30"}, headers=city
        )
    ).json()
    assert reductions["total"]["actions"] == 10


async def test_racing_credits_and_folds_count_every_action_once(
    pg_committed, pg_url, registry, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """Credits commit while folds run: ``pg_committed`` verifies the roll-ups against the actions after."""
    settings = make_settings(tmp_path, pg_url)
    stop = asyncio.Event()

    async def credit(district: str) -> None:
        for _ in range(4):
            async with pg_committed.session() as session:
                await trips(session, settings, registry, district, [DAY, DAY + dt.timedelta(days=1)])
                await session.commit()

    async def folder() -> int:
        folded = 0
        while not stop.is_set():
            async with pg_committed.session() as session:
                folded += await rollups.fold(session, settings.city, chunks=1)
                await session.commit()
            await asyncio.sleep(0)
        return folded

    folders = [asyncio.create_task(folder()) for _ in range(3)]
    await asyncio.gather(*(credit(d) for d in ("chashan", "jinhu", "ganlu", "zequan", "jiangyi", "chashan")))
    stop.set()
    folded = sum(await asyncio.gather(*folders))
    async with pg_committed.session() as session:
        folded += await rollups.fold(session, settings.city)
        await session.commit()
    async with pg_committed.session() as session:
        assert folded == 6 * 4 * 2
        assert (await _counted(session))[0] == 48
        assert (await verify_rollups(session, settings)).ok
