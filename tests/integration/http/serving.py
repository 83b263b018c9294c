"""Apps built with settings of a test's choosing (the shared ``app`` fixture uses one fixed set).

Services are started directly, as the shared fixture does, except where a test enters the real
lifespan itself to prove start-up works.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import sqlalchemy as sa
from litestar import Litestar

from service.app import create_app
from service.db.engine import Database
from service.services import start_services, stop_services
from service.settings import Settings

PROBLEM_KEYS = {"type", "title", "status", "code", "detail"}


@asynccontextmanager
async def client_for(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://tanbi.test") as http:
        yield http


@asynccontextmanager
async def serving(
    settings: Settings, database: Database, **app_options: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``create_app(settings, database=database, **app_options)`` with its services running."""
    app = create_app(settings, database=database, periodic=False, **app_options)
    app.state.services = await start_services(settings, database, periodic=False)
    try:
        async with client_for(app) as http:
            yield http
    finally:
        await stop_services(app.state.services)


def assert_problem(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The body of a problem+json response with ``status`` (and ``code``), checked for its shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["type"].endswith(body["code"])
    if code is not None:
        assert body["code"] == code, body
    return body


async def row_counts(database: Database) -> dict[str, int]:
    """Rows per table, for every table the migrated database has."""
    async with database.session() as session:
        names = await session.run_sync(lambda s: sa.inspect(s.connection()).get_table_names())
        counts = {}
        for name in sorted(names):
            table = sa.table(name)
            counts[name] = await session.scalar(sa.select(sa.func.count()).select_from(table))
    return counts
