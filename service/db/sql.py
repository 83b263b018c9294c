"""SQL helpers that differ by dialect, so repositories stay dialect-free (both ask ``service.db.dialect``)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Concatenate, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.dialect import dialect_for


def insert_ignoring_conflict(session: AsyncSession, table: sa.Table, index_elements: list[str]) -> Any:
    """``INSERT ... ON CONFLICT (index_elements) DO NOTHING`` for the session's dialect.

    On PostgreSQL a conflicting concurrent insert makes this wait until that transaction ends, so a
    caller that then reads the row sees the winner's committed row.
    """
    return dialect_for(session).insert_ignoring_conflict(table, index_elements)


async def lock_keys(session: AsyncSession, keys: Sequence[str]) -> None:
    """Serialise transactions that touch the same logical keys until this transaction ends.

    PostgreSQL: transaction-level advisory locks, taken in sorted order (so two lockers cannot deadlock).
    SQLite: nothing to do, every write transaction already holds the database's single write lock.
    """
    await dialect_for(session).lock_keys(keys)


P = ParamSpec("P")
T = TypeVar("T")


def atomic(
    fn: Callable[Concatenate[AsyncSession, P], Awaitable[T]],
) -> Callable[Concatenate[AsyncSession, P], Awaitable[T]]:
    """Runs ``fn(session, ...)`` in a savepoint: when it raises, none of its writes stay in the session's
    transaction (a caller that goes on, such as a test, sees nothing half-done)."""

    @functools.wraps(fn)
    async def wrapper(session: AsyncSession, *args: P.args, **kwargs: P.kwargs) -> T:
        async with session.begin_nested():
            return await fn(session, *args, **kwargs)

    return wrapper
