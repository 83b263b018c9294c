"""Fixtures the end-to-end tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fixtures.databases import create_pg_database, drop_pg_database


@pytest.fixture
async def pg_database_url() -> AsyncIterator[str]:
    """An empty PostgreSQL database for one test's processes, dropped after it."""
    url = await create_pg_database("tanbi_e2e")
    yield url
    await drop_pg_database(url)
