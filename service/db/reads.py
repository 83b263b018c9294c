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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from service.db.driver_pool import driver_pool
from service.db.engine import Database

_DIALECT = asyncpg_dialect.dialect()
_COMPILED: dict[int, tuple[sa.Select[Any], str, list[str], dict[str, Any]]] = {}


async def fetch(
    source: AsyncSession | Database, statement: sa.Select[Any], **params: Any
) -> Sequence[Mapping[str, Any]]:
    """The statement's rows as mappings by column label, read through ``source``: the request's session,
    or the database when the read needs no session (see the module's docstring)."""
    if isinstance(source, Database):
        engine = source.engine
        if source.sessions.kw.get("bind") is engine and engine.dialect.name == "postgresql":
            return await _on_driver_pool(engine, statement, params)
        async with source.sessions() as session:
            return await fetch(session, statement, **params)
    bind = source.bind
    if isinstance(bind, AsyncEngine) and bind.dialect.name == "postgresql" and not source.in_transaction():
        return await _on_driver_pool(bind, statement, params)
    return (await source.execute(statement, params)).mappings().all()


async def _on_driver_pool(
    engine: AsyncEngine, statement: sa.Select[Any], params: dict[str, Any]
) -> Sequence[Mapping[str, Any]]:
    sql, names, defaults = _compiled(statement)
    values = defaults | params
    pool = await driver_pool(engine)
    async with pool.acquire() as connection:
        return await connection.fetch(sql, *[values[name] for name in names])  # type: ignore[no-any-return]


def _compiled(statement: sa.Select[Any]) -> tuple[str, list[str], dict[str, Any]]:
    found = _COMPILED.get(id(statement))
    if found is None or found[0] is not statement:  # the statement is kept, so its id is never reused
        compiled = statement.compile(dialect=_DIALECT)
        found = (statement, compiled.string, list(compiled.positiontup or ()), dict(compiled.params))
        _COMPILED[id(statement)] = found
    return found[1], found[2], found[3]
