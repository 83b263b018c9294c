"""SQLite's side of the dialect seam: set-based statements; no locks to take, no redemption functions.

Set-based statements: many rows in one statement, with the rows as one JSON parameter.

``INSERT ... SELECT json_extract(value, '$[0]'), ... FROM json_each(:rows)`` is PostgreSQL's ``unnest`` for
SQLite: one statement and one parameter for any number of rows (SQLite binds at most 32,766 values per
statement, and an executemany cannot return rows). Each value is first turned into what SQLAlchemy binds for
its column (a datetime into SQLite's text form, a JSON document into its text), so the rows stored are the
ones an ORM insert would store, and comparisons against stored values compare like with like.

Ids: SQLite has no sequences. Every table's id is ``INTEGER PRIMARY KEY`` without ``AUTOINCREMENT`` (an alias
of the rowid, see the migrations' ``ID``), for which SQLite itself picks max(id) + 1. ``next_ids`` hands out
that same range, inside the write transaction. That is safe because every transaction of the embedded engine
begins with ``BEGIN IMMEDIATE`` (``service/db/engine.py``): it holds the database's single write lock from
its first statement to its end, so no other connection (no request, job or ``tanbi`` command, in this
process or another) can insert between the reservation and the insert. Within the transaction the caller
inserts the reserved rows before anything else inserts into that table; were that broken, the insert would
fail on the primary key, never store two rows under one id.

Kept in lockstep with ``postgresql.py``: each method of ``SqliteDialect`` has its twin there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute


class SqliteDialect:
    """The ``Dialect`` for SQLite (see ``service.db.dialect``)."""

    redemption_functions = False  # migration 0007 creates them on PostgreSQL only

    def __init__(self, session: AsyncSession) -> None:
        assert session.bind is not None, "a bulk statement needs a bound session"
        self.session = session
        self.dialect = session.bind.dialect

    def one_of(
        self, column: sa.ColumnElement[Any] | QueryableAttribute[Any], values: Sequence[Any]
    ) -> sa.ColumnElement[bool]:
        """``column IN (SELECT value FROM json_each(:values))``: one parameter for any number of values."""
        values_json = json.dumps(list(self._bound(column.type, values)), separators=(",", ":"))
        each: sa.Select[Any] = sa.select(sa.literal_column("value")).select_from(
            sa.func.json_each(values_json)
        )
        return column.in_(each)

    def rows(
        self, name: str, columns: Mapping[str, sa.types.TypeEngine[Any]], rows: Sequence[Sequence[Any]]
    ) -> sa.FromClause:
        values = [[row[i] for row in rows] for i in range(len(columns))]
        rows_json = self._encode(list(columns.values()), values)
        selected = [
            sa.type_coerce(_element(i), kind).label(column)
            for i, (column, kind) in enumerate(columns.items())
        ]
        return sa.select(*selected).select_from(sa.func.json_each(rows_json)).subquery(name)

    def first_of_each(
        self, stmt: sa.Select[Any], key: sa.ColumnElement[Any], order_by: Sequence[sa.ColumnElement[Any]]
    ) -> sa.Select[Any]:
        """PostgreSQL's ``DISTINCT ON (key)`` as the first row of each key's window."""
        rank = sa.func.row_number().over(partition_by=key, order_by=list(order_by)).label("rank_in_key")
        ranked = stmt.add_columns(rank).subquery()
        selected = list(ranked.c)[:-1]  # stmt's own columns, without the rank
        return sa.select(*selected).where(ranked.c.rank_in_key == 1)

    async def next_ids(self, table: sa.Table, count: int) -> list[int]:
        """The ids SQLite would give the next ``count`` rows (see the module's docstring for why it may)."""
        if count == 0:
            return []
        top = int(await self.session.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))) or 0)
        return list(range(top + 1, top + 1 + count))

    async def insert_claimed(
        self, table: sa.Table, rows: Sequence[dict[str, Any]], *, keys: sa.Table, key_columns: Sequence[str]
    ) -> dict[tuple[Any, ...], int]:
        """Ids, keys, rows: three statements, each a call into this process's SQLite."""
        if not rows:
            return {}
        claim = next(c.name for c in keys.columns if c.name not in key_columns)
        ids = await self.next_ids(table, len(rows))
        claims = [{**{k: row[k] for k in key_columns}, claim: i} for row, i in zip(rows, ids, strict=True)]
        on_conflict = f"ON CONFLICT ({', '.join(key_columns)}) DO NOTHING"
        won = await self.insert(keys, claims, on_conflict=on_conflict, returning=(*key_columns, claim))
        claimed = {tuple(row[:-1]): row[-1] for row in won}
        stored = [
            {"id": claimed[key], **row}
            for row in rows
            if (key := tuple(row[k] for k in key_columns)) in claimed
        ]
        await self.insert(table, stored)
        return claimed

    async def insert(
        self,
        table: sa.Table,
        rows: Sequence[dict[str, Any]],
        *,
        on_conflict: str = "",
        returning: Sequence[str] = (),
    ) -> list[sa.Row[Any]]:
        if not rows:
            return []
        suffix = f"{on_conflict} RETURNING {', '.join(returning)}" if returning else on_conflict
        statement, params = self._insert(table, rows, suffix)
        if not returning:
            await self.session.execute(statement, params)
            return []
        typed = statement.columns(*(table.c[c] for c in returning))  # a returned date comes back a date
        return list((await self.session.execute(typed, params)).all())

    async def add_to(self, column: sa.Column[Any], deltas: Mapping[int, int]) -> None:
        """One UPDATE; nothing to lock: the transaction holds the database's write lock already."""
        table = column.table
        ids = sorted(deltas)
        await self.session.execute(
            sa.text(
                f"UPDATE {table.name} SET {column.name} = {table.name}.{column.name} + d.delta "  # noqa: S608
                "FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS delta "
                f"FROM json_each(:deltas)) AS d WHERE {table.name}.id = d.id"
            ),
            {"deltas": json.dumps([[i, deltas[i]] for i in ids])},
        )

    async def update(self, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
        """One UPDATE by id, executed for every row (an executemany: one call, one prepared statement)."""
        if not rows:
            return
        values = {name: sa.bindparam(f"v_{name}") for name in rows[0] if name != "id"}
        stmt = sa.update(table).where(table.c.id == sa.bindparam("v_id")).values(**values)
        await self.session.execute(stmt, [{f"v_{k}": v for k, v in row.items()} for row in rows])

    async def lock_keys(self, keys: Sequence[str]) -> None:
        """Nothing to do: every write transaction already holds the database's single write lock
        (``BEGIN IMMEDIATE``, see the module's docstring)."""

    def insert_ignoring_conflict(self, table: sa.Table, index_elements: list[str]) -> Any:
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=index_elements)

    def _insert(
        self, table: sa.Table, rows: Sequence[dict[str, Any]], suffix: str
    ) -> tuple[sa.TextClause, dict[str, str]]:
        columns = [table.c[name] for name in rows[0]]
        names = ", ".join(c.name for c in columns)
        extracted = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(columns)))
        # "WHERE true": without it SQLite would read an upsert's ON CONFLICT as the SELECT's join constraint.
        source = f"SELECT {extracted} FROM json_each(:rows) WHERE true"  # noqa: S608
        sql = f"INSERT INTO {table.name} ({names}) {source} {suffix}"
        values = [[row[c.name] for row in rows] for c in columns]
        return sa.text(sql), {"rows": self._encode([c.type for c in columns], values)}

    def _encode(self, types: Sequence[sa.types.TypeEngine[Any]], columns: Sequence[Sequence[Any]]) -> str:
        """Rows given column by column, as a JSON array of row arrays, each value as SQLAlchemy binds it."""
        bound = [self._bound(kind, values) for kind, values in zip(types, columns, strict=True)]
        return json.dumps(list(zip(*bound, strict=True)), separators=(",", ":"))

    def _bound(self, kind: sa.types.TypeEngine[Any], values: Sequence[Any]) -> Sequence[Any]:
        process = self._processor(kind)
        return values if process is None else list(map(process, values))

    def _processor(self, kind: sa.types.TypeEngine[Any]) -> Callable[[Any], Any] | None:
        return kind.dialect_impl(self.dialect).bind_processor(self.dialect)


def _element(index: int) -> sa.ColumnElement[Any]:
    return sa.func.json_extract(sa.literal_column("value"), sa.literal_column(f"'$[{index}]'"))
