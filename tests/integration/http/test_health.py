"""Liveness and readiness, including a database or Redis that cannot be reached."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from service.app import create_app
from service.db.engine import Database
from service.settings import Settings
from tests.conftest import make_settings
from tests.integration.http.serving import assert_problem, client_for, serving

# Nothing listens on port 1: connections are refused at once.
DEAD_PG = "postgresql+asyncpg://postgres@127.0.0.1:1/tanbi"
DEAD_REDIS = "redis://127.0.0.1:1/0"


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_the_database_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


@pytest.fixture
async def dead_database() -> AsyncIterator[Database]:
    database = Database.from_url(DEAD_PG, pool_size=1)
    yield database
    await database.dispose()


async def test_readyz_is_503_when_the_database_is_unreachable(
    tmp_path: Path, dead_database: Database
) -> None:
    settings = make_settings(tmp_path, DEAD_PG)
    async with serving(settings, dead_database) as client:
        live = await client.get("/healthz")
        response = await client.get("/readyz")
    assert live.status_code == 200  # alive, just not ready
    problem = assert_problem(response, 503, "not_ready")
    assert problem["checks"]["database"].startswith("unreachable")
    assert "redis" not in problem["checks"]
    assert "database" in problem["detail"]
    assert "127.0.0.1" not in response.text  # no connection details leak


def _with_redis(settings: Settings, url: str) -> Settings:
    return settings.model_copy(update={"redis_url": url})


async def test_app_starts_and_readyz_names_redis_when_redis_is_down(
    settings: Settings, database: Database
) -> None:
    # The real lifespan, as `tanbi serve` runs it: a down Redis must not stop the API from starting.
    app = create_app(_with_redis(settings, DEAD_REDIS), database=database, periodic=False)
    async with app.lifespan(), client_for(app) as client:
        assert (await client.get("/healthz")).status_code == 200
        response = await client.get("/readyz")
    problem = assert_problem(response, 503, "not_ready")
    assert problem["checks"]["database"] == "ok"
    assert problem["checks"]["redis"].startswith("unreachable")
    assert problem["detail"] == "服务尚未就绪，无法连接：redis"  # Chinese first, as every detail
    async with app.lifespan(), client_for(app) as client:
        english = await client.get("/readyz", headers={"Accept-Language": "en"})
    assert english.json()["detail"] == "not reachable: redis"


async def test_readyz_reports_redis_ok_when_configured_and_up(
    settings: Settings, database: Database, test_redis_url: str
) -> None:
    async with serving(_with_redis(settings, test_redis_url), database) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}
