"""Set-based reads and writes for the batch paths, behind one seam: ``bulk_for(session)``.

The batch credit path (``service/actions/batch.py``), the ledger's ``issue_many`` and the city roll-ups write
each table with one statement and read each kind of history with one query, whatever the batch's size. How
that is said differs by dialect (arrays and sequences on PostgreSQL, a JSON parameter and the rowid on
SQLite); what is said does not. So callers build their statements from these few operations and never ask
which database they are on. The two implementations live side by side, ``postgresql.py`` and ``sqlite.py``,
kept in lockstep; the batch path's differential tests run on both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from service.db.bulk.postgresql import PostgresBulk, any_of, bulk_insert
from service.db.bulk.sqlite import SqliteBulk

__all__ = ["Bulk", "any_of", "bulk_for", "bulk_insert", "one_of", "upsert_adding"]


class Bulk(Protocol):
    def one_of(
        self, column: sa.ColumnElement[Any] | QueryableAttribute[Any], values: Sequence[Any]
    ) -> sa.ColumnElement[bool]:
        """``column`` is one of ``values``: one parameter for any number of values."""
        ...

    def rows(
        self, name: str, columns: Mapping[str, sa.types.TypeEngine[Any]], rows: Sequence[Sequence[Any]]
    ) -> sa.FromClause:
        """``rows`` (tuples in the order of ``columns``: name -> type) as a table named ``name`` to join."""
        ...

    def first_of_each(
        self, stmt: sa.Select[Any], key: sa.ColumnElement[Any], order_by: Sequence[sa.ColumnElement[Any]]
    ) -> sa.Select[Any]:
        """``stmt``'s first row for each value of ``key`` in the order ``order_by`` (the same columns)."""
        ...

    async def next_ids(self, table: sa.Table, count: int) -> list[int]:
        """``count`` ids for new rows of ``table``, reserved for this transaction, so a batch can link its
        rows before inserting them."""
        ...

    async def insert(
        self,
        table: sa.Table,
        rows: Sequence[dict[str, Any]],
        *,
        on_conflict: str = "",
        returning: Sequence[str] = (),
    ) -> list[sa.Row[Any]]:
        """Insert ``rows`` (dicts keyed by column name, all with the same keys) in one statement; the
        ``returning`` columns of the rows it wrote (in no particular order).

        ``on_conflict`` is appended verbatim: constant SQL both dialects read alike (``ON CONFLICT (key) DO
        NOTHING`` or ``DO UPDATE SET c = t.c + excluded.c``)."""
        ...

    async def add_to(self, column: sa.Column[Any], deltas: Mapping[int, int]) -> None:
        """Add ``deltas`` (row id -> amount) to ``column`` of its table's rows, in one statement."""
        ...


def bulk_for(session: AsyncSession) -> Bulk:
    """The statements for the database ``session`` is bound to."""
    if session.bind is not None and session.bind.dialect.name == "sqlite":
        return SqliteBulk(session)
    return PostgresBulk(session)


async def upsert_adding(
    session: AsyncSession, table: sa.Table, rows: Sequence[dict[str, Any]], added: Sequence[str]
) -> list[sa.Row[Any]]:
    """Insert ``rows``, or add their ``added`` columns to the rows already under the same primary key;
    returns each row's key and new amounts (in no particular order)."""
    keys = [c.name for c in table.primary_key.columns]
    sets = ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in added)
    on_conflict = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}"
    return await bulk_for(session).insert(table, rows, on_conflict=on_conflict, returning=[*keys, *added])


def one_of(
    session: AsyncSession, column: sa.ColumnElement[Any] | QueryableAttribute[Any], values: Sequence[Any]
) -> sa.ColumnElement[bool]:
    """``bulk_for(session).one_of(column, values)``."""
    return bulk_for(session).one_of(column, values)
