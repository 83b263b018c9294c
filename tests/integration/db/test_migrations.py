"""One Alembic chain: empty -> head -> empty on both dialects, and the models match the migrated schema."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from service.db import partitions
from service.db.engine import create_engine
from service.db.migrate import downgrade, upgrade
from service.db.registry import metadata
from tests.fixtures.databases import create_pg_database, drop_pg_database


@pytest.fixture(params=["postgres", "sqlite"])
async def empty_url(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrate.db'}"
        return
    url = await create_pg_database("tanbi_migrate")
    try:
        yield url
    finally:
        await drop_pg_database(url)


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: sa.inspect(c).get_table_names())
    finally:
        await engine.dispose()
    return {name for name in names if not partitions.is_partition(name)} - {"alembic_version"}


async def _diff(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:

            def compare(sync_connection: sa.Connection) -> list[object]:
                opts = {
                    "compare_type": True,
                    "compare_server_default": partitions.compare_server_default,
                    "include_object": partitions.include_object_on(sync_connection.dialect.name),
                }
                context = MigrationContext.configure(sync_connection, opts=opts)
                return list(compare_metadata(context, metadata()))

            return await connection.run_sync(compare)
    finally:
        await engine.dispose()


async def test_upgrade_then_downgrade_to_empty(empty_url: str) -> None:
    await asyncio.to_thread(upgrade, empty_url)
    assert await _tables(empty_url) == set(metadata().tables)
    await asyncio.to_thread(downgrade, empty_url, "base")
    assert await _tables(empty_url) == set()
    # and back up again: the downgrade left nothing behind that blocks a new upgrade
    await asyncio.to_thread(upgrade, empty_url)
    assert await _tables(empty_url) == set(metadata().tables)


async def test_models_match_migrated_schema(empty_url: str) -> None:
    await asyncio.to_thread(upgrade, empty_url)
    assert await _diff(empty_url) == []


async def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'pragmas.db'}")
    try:
        async with engine.connect() as connection:
            journal = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
            foreign_keys = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar()
            busy = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()
    finally:
        await engine.dispose()
    assert (journal, foreign_keys) == ("wal", 1)
    assert busy >= 1000
