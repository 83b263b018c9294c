"""A read that is one statement, in one round trip where the database allows it.

Through the request's session a one-statement read costs BEGIN, the statement and COMMIT (three round
trips) and the ORM's per-statement work, which together were most of a resident's wallet read. On
PostgreSQL, while the session has not started a transaction, the statement runs autocommitted on the
driver pool beside the engine (service/db/driver_pool.py, as the redemption calls do): one statement
sees one snapshot either way. Elsewhere (SQLite), or inside a transaction (to see the caller's own
writes), it runs through the session. Statements are module constants, compiled for the driver once.

A hot read that needs no transaction of the request's may be handed the ``Database`` instead of a
session: on PostgreSQL's engine it then costs no session at all (making, committing and closing the
request's session was a tenth of a wallet read's CPU); on SQLite, or bound to a test's connection, it
runs in a short session of its own, closed before the caller goes on.

A ``Batched`` read on the driver pool (handed the database, or a session that has not begun) is sent
together with the same read of other keys (other residents): while one is in flight, the reads that
arrive wait and then go as one statement, so under load one round trip answers many requests (the
statement's send and the backend's wake-up were a third of a wallet read's CPU, its largest part). A
read never joins a statement already sent: each is answered by a statement that started after it was
asked, as fresh as its own would have been.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from service.db.driver_pool import driver_pool
from service.db.engine import Database

_DIALECT = asyncpg_dialect.dialect()
_COMPILED: dict[int, tuple[sa.Select[Any], str, list[str], dict[str, Any]]] = {}


Rows = Sequence[Mapping[str, Any]]


@dataclass(frozen=True, eq=False)
class Batched:
    """A one-statement read (``one``) and the same read for many keys at once (``many``).

    ``many`` takes each of ``params`` as an array named ``<param>s`` (row i of the arrays is key i) and
    answers ``one``'s columns for every key, with ``ord`` (the key's position, from 1) first in its
    ORDER BY and ``one``'s order after it. The two must agree row for row (tests/integration/db).
    """

    one: sa.Select[Any]
    many: sa.Select[Any]
    params: tuple[str, ...]


async def fetch(source: AsyncSession | Database, statement: sa.Select[Any] | Batched, **params: Any) -> Rows:
    """The statement's rows as mappings by column label, read through ``source``: the request's session,
    or the database when the read needs no session (see the module's docstring)."""
    if isinstance(source, Database):
        engine = source.engine
        if source.sessions.kw.get("bind") is engine and engine.dialect.name == "postgresql":
            if isinstance(statement, Batched):
                return await _batcher(engine, statement).fetch(tuple(params[p] for p in statement.params))
            return await _on_driver_pool(engine, statement, params)
        async with source.sessions() as session:
            return await fetch(session, statement, **params)
    bind = source.bind
    if isinstance(bind, AsyncEngine) and bind.dialect.name == "postgresql" and not source.in_transaction():
        # No transaction begun: the session has no snapshot of its own, so a batched statement started
        # after this call answers exactly as this session's own would.
        if isinstance(statement, Batched):
            return await _batcher(bind, statement).fetch(tuple(params[p] for p in statement.params))
        return await _on_driver_pool(bind, statement, params)
    if isinstance(statement, Batched):
        statement = statement.one
    return (await source.execute(statement, params)).mappings().all()


async def _on_driver_pool(
    engine: AsyncEngine, statement: sa.Select[Any], params: dict[str, Any]
) -> Sequence[Mapping[str, Any]]:
    sql, names, defaults = _compiled(statement)
    values = defaults | params
    pool = await driver_pool(engine)
    async with pool.acquire() as connection:
        return await connection.fetch(sql, *[values[name] for name in names])  # type: ignore[no-any-return]


class _Batcher:
    """One ``Batched`` read on one engine: at most one statement in flight; the keys asked meanwhile go
    together in the next. The first read of an idle batcher sends its own statement at once (no task, no
    wait); a task sends the next one if reads came in while it was in flight."""

    def __init__(self, engine: AsyncEngine, batched: Batched) -> None:
        # Weakly: _BATCHERS is keyed by the engine, and a value holding its key would keep it forever.
        self.engine = weakref.ref(engine)
        self.batched = batched
        self.busy = False
        self.waiting: list[tuple[tuple[Any, ...], asyncio.Future[Rows]]] = []
        self.sender: asyncio.Task[None] | None = None  # kept: the loop holds tasks only weakly
        self.loop: asyncio.AbstractEventLoop | None = None

    async def fetch(self, key: tuple[Any, ...]) -> Rows:
        loop = asyncio.get_running_loop()
        if loop is not self.loop:  # a statement left in flight on a closed loop (tests) never returns
            self.loop, self.busy, self.waiting = loop, False, []
        if self.busy:
            future: asyncio.Future[Rows] = loop.create_future()
            self.waiting.append((key, future))
            return await future
        self.busy = True
        try:
            return (await self._many([key]))[0]
        finally:
            self._next()

    def _next(self) -> None:
        if self.waiting:
            self.sender = asyncio.ensure_future(self._send_waiting())
        else:
            self.busy = False

    async def _send_waiting(self) -> None:
        batch, self.waiting = self.waiting, []
        try:
            answers = await self._many([key for key, _ in batch])
        except asyncio.CancelledError:
            for _, future in batch:
                future.cancel()
            raise
        except Exception as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
        else:
            for (_, future), rows in zip(batch, answers, strict=True):
                if not future.done():  # its request may have been cancelled meanwhile
                    future.set_result(rows)
        finally:
            self._next()

    async def _many(self, keys: list[tuple[Any, ...]]) -> list[list[Mapping[str, Any]]]:
        """Each key's rows, in the order of ``keys``, from one statement."""
        columns = list(zip(*keys, strict=True))
        arrays = {f"{name}s": list(column) for name, column in zip(self.batched.params, columns, strict=True)}
        answers: list[list[Mapping[str, Any]]] = [[] for _ in keys]
        engine = self.engine()
        if engine is None:
            raise RuntimeError("the engine of this read was dropped")
        for row in await _on_driver_pool(engine, self.batched.many, arrays):
            columns = dict(row.items())  # ``one``'s columns, as a read of one key would answer them
            answers[columns.pop("ord") - 1].append(columns)
        return answers


_BATCHERS: weakref.WeakKeyDictionary[AsyncEngine, dict[int, _Batcher]] = weakref.WeakKeyDictionary()


def _batcher(engine: AsyncEngine, batched: Batched) -> _Batcher:
    batchers = _BATCHERS.setdefault(engine, {})
    found = batchers.get(id(batched))
    if found is None or found.batched is not batched:  # module constants: an id is never reused
        found = batchers[id(batched)] = _Batcher(engine, batched)
    return found


def _compiled(statement: sa.Select[Any]) -> tuple[str, list[str], dict[str, Any]]:
    found = _COMPILED.get(id(statement))
    if found is None or found[0] is not statement:  # the statement is kept, so its id is never reused
        compiled = statement.compile(dialect=_DIALECT)
        found = (statement, compiled.string, list(compiled.positiontup or ()), dict(compiled.params))
        _COMPILED[id(statement)] = found
    return found[1], found[2], found[3]
