"""The harness itself: both dialects are migrated and reachable, and the app answers on each."""

from __future__ import annotations

import sqlalchemy as sa


async def test_database_is_migrated(database) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        tables = await session.run_sync(lambda s: sa.inspect(s.connection()).get_table_names())
    assert {"accounts", "transfers", "holds", "lots", "residents"} <= set(tables)


async def test_ready_on_both_dialects(client) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"
