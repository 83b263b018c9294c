"""Hot reads handed the Database instead of a request's session (service/db/reads.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import weakref

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import create_async_engine

from service.db.base import utcnow
from service.db.reads import Batched, _Batcher, _batcher
from service.errors import NotFound, Unauthorized
from service.identity.models import Resident
from service.identity.service import PROFILE, active_profile
from service.ledger.service import Credit
from service.residents.repository import Wallet, active_wallet
from tests.conftest import ledger_for, make_settings
from tests.integration.actions.conftest import new_resident


async def test_on_postgresql_a_read_through_the_database_takes_no_session_connection(pg_committed) -> None:  # type: ignore[no-untyped-def]
    async with pg_committed.session() as session:
        here, gone = [await new_resident(session, f"1390000074{n}") for n in range(2)]
        await session.execute(sa.update(Resident).where(Resident.id == here).values(display_name="小周"))
        await session.execute(sa.update(Resident).where(Resident.id == gone).values(deleted_at=utcnow()))
    checkouts: list[object] = []
    listener = lambda *_args: checkouts.append(1)  # noqa: E731
    event.listen(pg_committed.engine.sync_engine, "checkout", listener)
    try:
        profile = await active_profile(pg_committed, here)
        assert await active_wallet(pg_committed, here, utcnow()) == Wallet()
        with pytest.raises(Unauthorized) as deleted:
            await active_profile(pg_committed, gone)
        with pytest.raises(NotFound) as missing:
            await active_wallet(pg_committed, 10**12, utcnow())
    finally:
        event.remove(pg_committed.engine.sync_engine, "checkout", listener)
    assert checkouts == []  # the driver pool answered: no session, no engine connection
    assert (profile["id"], profile["display_name"]) == (here, "小周")
    assert (deleted.value.code, missing.value.code) == ("account_deleted", "resident_not_found")


async def test_a_database_bound_to_a_connection_reads_in_a_session_on_it(database) -> None:  # type: ignore[no-untyped-def]
    # The test's database is bound to one connection whose transaction is rolled back at the end: the
    # rows written here are visible only through that connection, so finding them proves the read took a
    # session on it (on both databases), not the driver pool.
    async with database.session() as session:
        here, gone = [await new_resident(session, f"1390000075{n}") for n in range(2)]
        await session.execute(sa.update(Resident).where(Resident.id == gone).values(deleted_at=utcnow()))
    assert (await active_profile(database, here))["id"] == here
    assert await active_wallet(database, here, utcnow()) == Wallet()
    with pytest.raises(Unauthorized) as deleted:
        await active_wallet(database, gone, utcnow())
    assert deleted.value.code == "account_deleted"


async def test_concurrent_reads_go_together_and_each_gets_its_own_answer(
    pg_committed, pg_url, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, pg_url)
    async with pg_committed.session() as session:
        rich, empty, gone = [await new_resident(session, f"1390000076{n}") for n in range(3)]
        ledger = ledger_for(session, settings)
        await ledger.issue([Credit(rich, 10 + n, f"batched:{n}") for n in range(3)])
        await session.execute(sa.update(Resident).where(Resident.id == gone).values(deleted_at=utcnow()))
    now, later = utcnow(), utcnow() + dt.timedelta(days=3650)  # later: every lot has expired
    asked = [(rich, now), (empty, now), (gone, now), (10**12, now), (rich, later), (rich, now)] * 3
    answers = await asyncio.gather(
        *(active_wallet(pg_committed, who, when) for who, when in asked), return_exceptions=True
    )
    async with pg_committed.sessions() as session, session.begin():  # one by one, through the session
        expected = await asyncio.gather(
            *(_one_by_one(session, who, when) for who, when in asked), return_exceptions=False
        )
    assert [_comparable(a) for a in answers] == expected
    assert _comparable(answers[0]) != _comparable(answers[4])  # the lots are there now, not later
    profiles = await asyncio.gather(*(active_profile(pg_committed, who) for who in (rich, empty) * 4))
    assert [p["id"] for p in profiles] == [rich, empty] * 4
    async with pg_committed.sessions() as session:  # not begun: batched on the driver pool too
        checks = [active_profile(session, who) for who in (rich, gone, empty)]
        found = await asyncio.gather(*checks, return_exceptions=True)
        assert not session.in_transaction()
    assert [_comparable(f) if isinstance(f, Exception) else f["id"] for f in found] == [
        rich,
        ("Unauthorized", "account_deleted"),
        empty,
    ]


async def _one_by_one(session, who: int, when: dt.datetime) -> object:  # type: ignore[no-untyped-def]
    try:
        return _comparable(await active_wallet(session, who, when))
    except (Unauthorized, NotFound) as exc:
        return _comparable(exc)


def _comparable(answer: object) -> object:
    if isinstance(answer, Exception):
        return (type(answer).__name__, getattr(answer, "code", None))
    assert isinstance(answer, Wallet)
    return (
        answer.available,
        answer.held,
        answer.expiring_30d,
        [(lot.id, lot.remaining) for lot in answer.lots],
    )


class NoEngine:
    """Stands for the engine of a batcher whose statements never reach one."""


class GatedBatcher(_Batcher):
    """A batcher whose statements wait for the test's go-ahead, and which records the keys of each."""

    def __init__(self) -> None:
        super().__init__(NoEngine(), Batched(sa.select(1), sa.select(1), ("key",)))  # type: ignore[arg-type]
        self.sent: list[list[object]] = []
        self.gates: list[asyncio.Event] = []

    async def _many(self, keys):  # type: ignore[no-untyped-def]
        self.sent.append([key for (key,) in keys])
        gate = asyncio.Event()
        self.gates.append(gate)
        await gate.wait()
        if "boom" in self.sent[-1]:
            raise RuntimeError("the database went away")
        return [[{"key": key}] for (key,) in keys]


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_read_never_joins_a_statement_already_sent() -> None:
    batcher = GatedBatcher()
    first = asyncio.ensure_future(batcher.fetch(("a",)))
    await _settle()
    assert batcher.sent == [["a"]]  # an idle batcher sends at once
    waiting = [asyncio.ensure_future(batcher.fetch((key,))) for key in ("b", "c", "b")]
    await _settle()
    assert batcher.sent == [["a"]]  # b and c came after a's statement was sent: they wait
    batcher.gates[0].set()
    assert await first == [{"key": "a"}]
    await _settle()
    assert batcher.sent == [["a"], ["b", "c", "b"]]  # together, in the next statement
    late = asyncio.ensure_future(batcher.fetch(("d",)))
    await _settle()
    batcher.gates[1].set()
    assert [await w for w in waiting] == [[{"key": "b"}], [{"key": "c"}], [{"key": "b"}]]
    await _settle()
    assert batcher.sent[2] == ["d"]
    batcher.gates[2].set()
    assert await late == [{"key": "d"}]
    await _settle()
    assert not batcher.busy


async def test_a_failed_statement_fails_its_reads_only_and_a_cancelled_read_harms_no_other() -> None:
    batcher = GatedBatcher()
    first = asyncio.ensure_future(batcher.fetch(("a",)))
    await _settle()
    doomed = [asyncio.ensure_future(batcher.fetch((key,))) for key in ("boom", "e")]
    cancelled = asyncio.ensure_future(batcher.fetch(("f",)))
    await _settle()
    cancelled.cancel()
    batcher.gates[0].set()
    await first
    await _settle()
    batcher.gates[1].set()
    for read in doomed:
        with pytest.raises(RuntimeError):
            await read
    after = asyncio.ensure_future(batcher.fetch(("g",)))
    await _settle()
    batcher.gates[-1].set()
    assert await after == [{"key": "g"}]
    assert batcher.sent == [["a"], ["boom", "e", "f"], ["g"]]
    assert cancelled.cancelled()


def test_a_batcher_does_not_keep_its_engine_alive() -> None:
    engine = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")  # never connects
    _batcher(engine, PROFILE)
    alive = weakref.ref(engine)
    del engine
    gc.collect()
    assert alive() is None


def test_a_batcher_left_busy_on_a_closed_loop_answers_on_the_next() -> None:
    batcher = GatedBatcher()
    # What a statement left in flight on an event loop closed since leaves behind.
    old = asyncio.new_event_loop()
    batcher.loop, batcher.busy = old, True
    old.close()

    async def ask(key: str) -> object:
        read = asyncio.ensure_future(batcher.fetch((key,)))
        await _settle()
        batcher.gates[-1].set()
        return await read

    assert asyncio.run(ask("b")) == [{"key": "b"}]
    assert batcher.sent == [["b"]]
