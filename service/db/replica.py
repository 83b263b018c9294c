"""A read replica for the city's reads and the public registry (TANBI_DATABASE_READ_URL): a PostgreSQL
streaming replica of the primary. Its lag is measured on the replica itself and shown with every answer it
serves (``x-replica-lag-seconds``) and in /readyz.

The lag is 0 while the replica has replayed all the WAL it received (an idle primary sends nothing, so the
age of the last replayed transaction alone would grow for nothing); otherwise it is the age of the last
transaction replayed."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa
from litestar import Request, Response
from litestar.datastructures import ResponseHeader
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.engine import Database

LAG = sa.text(
    "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)
HEADER = "x-replica-lag-seconds"
CACHE_SECONDS = 1.0
# The lag of the replica this request read from (None: it read from the primary).
_served_lag: ContextVar[float | None] = ContextVar("served_lag", default=None)

LAG_HEADER = ResponseHeader(
    name=HEADER,
    description=(
        "present when the answer was read from the read replica (TANBI_DATABASE_READ_URL): how many seconds "
        "it was behind the primary (0: caught up)"
    ),
    documentation_only=True,
    required=False,
)


async def lag_seconds(database: Database) -> float:
    async with database.sessions() as session:
        return float(await session.scalar(LAG) or 0)


class LagReader:
    """The replica's lag, asked at most once a second however many answers carry it."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._at = float("-inf")
        self._lag = 0.0

    async def seconds(self) -> float:
        if time.monotonic() - self._at > CACHE_SECONDS:
            self._lag = await lag_seconds(self.database)
            self._at = time.monotonic()
        return self._lag


async def provide_read_session(request: Request[Any, Any, Any]) -> AsyncIterator[AsyncSession]:
    """A session for reads that may be behind by the replica's lag: the replica when one is configured,
    else the primary. Never committed: nothing is written through it."""
    services = request.app.state.services
    replica = services.read_database
    if replica is not None:
        _served_lag.set(await services.replica_lag.seconds())
    async with (replica or services.database).sessions() as session:
        try:
            yield session
        finally:
            await session.rollback()


async def show_lag(response: Response[Any]) -> Response[Any]:
    """After a handler that read through ``provide_read_session``: the lag it read at, as a header."""
    lag = _served_lag.get()
    if lag is not None:
        response.headers[HEADER] = f"{lag:.1f}"
    return response
