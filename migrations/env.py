"""Alembic environment: async engines, batch mode on SQLite, the models' metadata as the target."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

from service.db import partitions
from service.db.engine import create_engine
from service.db.registry import metadata

config = context.config
target_metadata = metadata()


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=partitions.compare_server_default,
        include_object=partitions.include_object_on(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _configure(connectable)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch mode rebuilds a table to change it (drop, then rename a copy); with foreign keys on,
            # dropping a table other rows reference fails, even deferred. SQLite only takes this pragma
            # outside a transaction, so on the raw connection before Alembic begins one; a migration that
            # rebuilds a referenced table checks the references itself (PRAGMA foreign_key_check).
            raw = await connection.get_raw_connection()
            await raw.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        await connection.run_sync(_configure)
        await connection.commit()
    await engine.dispose()  # NullPool: the connection with foreign keys off is closed, not reused


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    asyncio.run(_run_online())
