"""An app with the metrics token set, and a reader of its /metrics answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from service.app import create_app
from service.db.engine import Database
from service.services import start_services, stop_services
from service.settings import MetricsSettings
from tests.conftest import make_settings
from tests.integration.http.serving import client_for

TOKEN = "metrics-token-for-tests"
SCRAPE = {"Authorization": f"Bearer {TOKEN}"}
Labels = frozenset[tuple[str, str]]


@pytest.fixture
async def metered_app(tmp_path: Path, database: Database) -> AsyncIterator[Litestar]:
    url = database.engine.url.render_as_string(hide_password=False)
    # cache_seconds=0: every scrape reads the database, so a test sees what it just did.
    metrics = MetricsSettings(token=SecretStr(TOKEN), cache_seconds=0)
    settings = make_settings(tmp_path, None if database.dialect == "sqlite" else url, metrics=metrics)
    app = create_app(settings, database=database, periodic=False)
    app.state.services = await start_services(settings, database, periodic=False)
    app.state.services.queue.run_immediately = False  # one shared connection: jobs run when drained
    try:
        yield app
    finally:
        await stop_services(app.state.services)


@pytest.fixture
async def metered(metered_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(metered_app) as http:
        yield http


def samples(text: str) -> dict[str, dict[Labels, float]]:
    """Sample name -> labels -> value, from the Prometheus text format."""
    out: dict[str, dict[Labels, float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, {})[frozenset(sample.labels.items())] = sample.value
    return out


async def scrape(http: httpx.AsyncClient) -> dict[str, dict[Labels, float]]:
    response = await http.get("/metrics", headers=SCRAPE)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def value(found: dict[str, dict[Labels, float]], sample: str, /, **labels: str) -> float | None:
    return found.get(sample, {}).get(frozenset(labels.items()))
