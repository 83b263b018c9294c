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
