"""Everything that differs between PostgreSQL and SQLite, behind one seam: ``dialect_for(session)``.

Callers never ask which database they are on; they ask the session's dialect object (as Prefect's server
asks its query components). It answers:

- set-based reads and writes for the batch paths: the batch credit path (``service/actions/batch.py``), the
  ledger's FRESH issuance, the city roll-ups and publication, partner deliveries write each table with one
  statement and read each kind of history with one query, whatever the batch's size. How that is said
  differs (arrays and sequences on PostgreSQL, a JSON parameter and the rowid on SQLite); what is said does
  not;
- how transactions that touch the same logical keys are serialised (``lock_keys``);
- whether redemptions can run through the database functions of migration 0007 (PostgreSQL only).

The two implementations live side by side, ``postgresql.py`` and ``sqlite.py``, kept in lockstep; the batch
path's differential tests and the redemption tests run on both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from service.db.dialect.postgresql import PostgresDialect, any_of, bulk_insert
from service.db.dialect.sqlite import SqliteDialect

__all__ = ["Dialect", "any_of", "bulk_insert", "dialect_for", "one_of", "upsert_adding"]


class Dialect(Protocol):
    redemption_functions: bool
    """Whether the redemption functions of migration 0007 (``tanbi_charge``, ``tanbi_claim_voucher``) exist:
    the migration creates them on PostgreSQL only; SQLite redeems through the Python ledger."""

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

    async def insert_claimed(
        self, table: sa.Table, rows: Sequence[dict[str, Any]], *, keys: sa.Table, key_columns: Sequence[str]
    ) -> dict[tuple[Any, ...], int]:
        """Insert the ``rows`` whose key (``key_columns``) this call claims in the key table ``keys`` (whose
        third column names the row's id); a key another transaction holds, committed or not, skips its row.
        Returns key -> id of the rows inserted."""
        ...

    async def add_to(self, column: sa.Column[Any], deltas: Mapping[int, int]) -> None:
        """Add ``deltas`` (row id -> amount) to ``column`` of its table's rows, in one statement."""
        ...

    async def update(self, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
        """Set each row's other columns on the row of ``table`` with its ``id`` (rows are dicts keyed by
        column name, all with the same keys, ``id`` among them), in one call."""
        ...

    async def lock_keys(self, keys: Sequence[str]) -> None:
        """Serialise transactions that touch the same logical ``keys`` until this transaction ends."""
        ...

    def insert_ignoring_conflict(self, table: sa.Table, index_elements: list[str]) -> Any:
        """``INSERT ... ON CONFLICT (index_elements) DO NOTHING``, to be given its values by the caller."""
        ...


def dialect_for(session: AsyncSession) -> Dialect:
    """What differs for the database ``session`` is bound to (an unbound session is taken as PostgreSQL)."""
    if session.bind is not None and session.bind.dialect.name == "sqlite":
        return SqliteDialect(session)
    return PostgresDialect(session)


async def upsert_adding(
    session: AsyncSession, table: sa.Table, rows: Sequence[dict[str, Any]], added: Sequence[str]
) -> list[sa.Row[Any]]:
    """Insert ``rows``, or add their ``added`` columns to the rows already under the same primary key;
    returns each row's key and new amounts (in no particular order)."""
    keys = [c.name for c in table.primary_key.columns]
    sets = ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in added)
    on_conflict = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}"
    return await dialect_for(session).insert(table, rows, on_conflict=on_conflict, returning=[*keys, *added])


def one_of(
    session: AsyncSession, column: sa.ColumnElement[Any] | QueryableAttribute[Any], values: Sequence[Any]
) -> sa.ColumnElement[bool]:
    """``dialect_for(session).one_of(column, values)``."""
    return dialect_for(session).one_of(column, values)
