"""SQL helpers that differ by dialect, so repositories stay dialect-free."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_ignoring_conflict(session: AsyncSession, table: sa.Table, index_elements: list[str]) -> Any:
    """``INSERT ... ON CONFLICT (index_elements) DO NOTHING`` for the session's dialect.

    On PostgreSQL a conflicting concurrent insert makes this wait until that transaction ends, so a
    caller that then reads the row sees the winner's committed row.
    """
    dialect = session.bind.dialect.name if session.bind is not None else "postgresql"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=index_elements)


async def lock_keys(session: AsyncSession, keys: list[str]) -> None:
    """Serialise transactions that touch the same logical keys until this transaction ends.

    PostgreSQL: transaction-level advisory locks, taken in sorted order (so two lockers cannot deadlock),
    all in one statement: the function scan yields the array's elements, and locks them, in array order.
    SQLite: nothing to do, every write transaction already holds the database's single write lock.
    """
    if not keys or not is_postgresql(session):
        return
    await session.execute(
        sa.text(
            "SELECT count(pg_advisory_xact_lock(hashtextextended(key, 0))) "
            "FROM unnest(CAST(:keys AS text[])) AS key"
        ),
        {"keys": sorted(set(keys))},
    )


def is_postgresql(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"
