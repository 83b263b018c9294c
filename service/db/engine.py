"""Engines and session factories for the two supported dialects.

SQLite (the embedded default) runs in WAL mode with foreign keys on and a busy timeout, and every
transaction starts with ``BEGIN IMMEDIATE``: a deferred transaction that later writes can fail at once
with "database is locked" when another writer committed in between, which the busy timeout cannot help.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from service.db.driver_pool import close_driver_pool

SQLITE_BUSY_TIMEOUT_MS = 30_000
POOL_RECYCLE_SECONDS = 1800


def create_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> AsyncEngine:
    """An async engine for ``url``; SQLite URLs get the embedded pragmas."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo=echo)
    # No pre-ping: it is a round trip on every checkout (a tenth of a redemption's cost). A connection
    # that died anyway fails its statement, SQLAlchemy then invalidates the whole pool so the next
    # checkouts reconnect, and recycling bounds how old a pooled connection gets. JIT off: it compiles
    # whatever the planner thinks is big (a city member-set count over a long range spent 2.4 s of 6.4 s
    # compiling) and nothing this service runs is long enough to win it back.
    return create_async_engine(
        url,
        echo=echo,
        hide_parameters=True,  # a database error's text (logged) must not carry phone hashes or secrets
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=POOL_RECYCLE_SECONDS,
        connect_args={"server_settings": {"jit": "off"}},
    )


def _sqlite_engine(url: str, *, echo: bool) -> AsyncEngine:
    # aiosqlite logs every statement with its parameters at DEBUG: never let that reach a log.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    database = sa.make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url,
        echo=echo,
        hide_parameters=True,
        poolclass=NullPool,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )
    event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
    event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin (see _sqlite_on_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


@dataclass
class Database:
    """The engine and the session factory every request, job and command uses."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    @classmethod
    def from_url(cls, url: str, *, echo: bool = False, pool_size: int = 10) -> Database:
        engine = create_engine(url, echo=echo, pool_size=pool_size)
        return cls(engine=engine, sessions=make_sessions(engine))

    @classmethod
    def bound_to(cls, connection: AsyncConnection) -> Database:
        """Sessions that join an outer transaction and commit to savepoints (tests roll it all back)."""
        sessions = async_sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        return cls(engine=connection.engine, sessions=sessions)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits when the block ends cleanly, and rolls back otherwise."""
        async with self.sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.sessions() as session:
            await session.execute(sa.text("SELECT 1"))

    async def dispose(self) -> None:
        await close_driver_pool(self.engine)
        await self.engine.dispose()


def make_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
