"""PostgreSQL's side of the dialect seam: set-based statements, advisory locks, the redemption functions.

Set-based statements: many rows in one statement, with one array parameter per column.

``INSERT ... SELECT FROM unnest($1::bigint[], $2::text[], ...)`` is planned once and costs the same few
parameters for ten rows or ten thousand; an executemany or a multi-row VALUES list renders and binds every
value separately, which for a 500-event batch cost more than the database's own work. JSON columns travel as
text arrays cast per element; aware datetimes are checked the way ``UTCDateTime`` checks them.

Kept in lockstep with ``sqlite.py``: each method of ``PostgresDialect`` has its twin there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from service.db.partitions import PARTITIONED

_DIALECT = postgresql.dialect()
_json = msgspec.json.Encoder().encode


class PostgresDialect:
    """The ``Dialect`` for PostgreSQL (see ``service.db.dialect``)."""

    redemption_functions = True

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def one_of(
        self, column: sa.ColumnElement[Any] | QueryableAttribute[Any], values: Sequence[Any]
    ) -> sa.ColumnElement[bool]:
        return any_of(column, values)

    def rows(
        self, name: str, columns: Mapping[str, sa.types.TypeEngine[Any]], rows: Sequence[Sequence[Any]]
    ) -> sa.FromClause:
        arrays = [
            sa.cast(
                sa.bindparam(None, [row[i] for row in rows], type_=postgresql.ARRAY(kind)),
                postgresql.ARRAY(kind),
            )
            for i, kind in enumerate(columns.values())
        ]
        unnest = sa.func.unnest(*arrays).table_valued(*(sa.column(n, t) for n, t in columns.items()))
        return unnest.render_derived(name=name)

    def first_of_each(
        self, stmt: sa.Select[Any], key: sa.ColumnElement[Any], order_by: Sequence[sa.ColumnElement[Any]]
    ) -> sa.Select[Any]:
        return stmt.order_by(key, *order_by).ext(postgresql.distinct_on(key))

    async def next_ids(self, table: sa.Table, count: int) -> list[int]:
        """Drawn from the table's sequence: never handed out twice, whatever other transactions do. A
        partitioned table's ids carry their month (``service/db/partitions.py``), as its default does."""
        if count == 0:
            return []
        result = await self.session.execute(
            sa.text(f"SELECT {_new_id(table)} FROM generate_series(1, :count)"),  # noqa: S608  # constant SQL
            {"table": table.name, "count": count},
        )
        return list(result.scalars().all())

    async def insert_claimed(
        self, table: sa.Table, rows: Sequence[dict[str, Any]], *, keys: sa.Table, key_columns: Sequence[str]
    ) -> dict[tuple[Any, ...], int]:
        """One statement: the keys are claimed with new ids (``ON CONFLICT DO NOTHING``) and only the rows
        whose claims came back are inserted, under those ids. Ingest's three round trips (ids, keys,
        rows) were a quarter of what accepting a partner's batch cost."""
        if not rows:
            return {}
        columns = [table.c[name] for name in rows[0]]
        types = [_array_type(c) for c in columns]
        names = ", ".join(c.name for c in columns)
        arrays = ", ".join(
            f"CAST(:{c.name} AS {array})" for c, (array, _) in zip(columns, types, strict=True)
        )
        claim = next(c.name for c in keys.columns if c.name not in key_columns)
        matched = " AND ".join(f"c.{k} = v.{k}" for k in key_columns)
        selected = ", ".join(f"v.{c.name}{cast}" for c, (_, cast) in zip(columns, types, strict=True))
        key_list = ", ".join(key_columns)
        sql = (
            f"WITH v AS (SELECT * FROM unnest({arrays}) AS v({names})), "  # noqa: S608  # constant SQL
            f"c AS (INSERT INTO {keys.name} ({key_list}, {claim}) SELECT {key_list}, {_new_id(table)} FROM v "
            f"ON CONFLICT ({key_list}) DO NOTHING RETURNING {key_list}, {claim}) "
            f"INSERT INTO {table.name} (id, {names}) SELECT c.{claim}, {selected} FROM v JOIN c ON {matched} "
            f"RETURNING {key_list}, id"
        )
        params = {c.name: _values(c, rows) for c in columns} | {"table": table.name}
        result = await self.session.execute(sa.text(sql), params)
        return {tuple(row[:-1]): row[-1] for row in result.all()}

    async def insert(
        self,
        table: sa.Table,
        rows: Sequence[dict[str, Any]],
        *,
        on_conflict: str = "",
        returning: Sequence[str] = (),
    ) -> list[sa.Row[Any]]:
        suffix = f"{on_conflict} RETURNING {', '.join(returning)}" if returning else on_conflict
        return await bulk_insert(self.session, table, rows, suffix=suffix)

    async def add_to(self, column: sa.Column[Any], deltas: Mapping[int, int]) -> None:
        """Rows locked in ascending id order, then one UPDATE.

        The lock is FOR NO KEY UPDATE, the one an UPDATE of a non-key column takes: a plain FOR UPDATE would
        also wait for the key-share locks that foreign keys (a transfer, a lot) take on the row, and two
        batches that each inserted rows referencing the same account would deadlock on those.
        """
        table = column.table
        ids = sorted(deltas)
        await self.session.execute(
            sa.select(table.c.id)
            .where(table.c.id.in_(ids))
            .order_by(table.c.id)
            .with_for_update(key_share=True)
        )
        await self.session.execute(
            sa.text(
                f"UPDATE {table.name} SET {column.name} = {table.name}.{column.name} + d.delta "  # noqa: S608
                "FROM unnest(CAST(:ids AS bigint[]), CAST(:deltas AS bigint[])) AS d(id, delta) "
                f"WHERE {table.name}.id = d.id"
            ),
            {"ids": ids, "deltas": [deltas[i] for i in ids]},
        )

    async def update(self, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
        """``UPDATE ... FROM unnest(...)``: one statement, one array parameter per column."""
        if not rows:
            return
        columns = [table.c[name] for name in rows[0]]
        types = [_array_type(c) for c in columns]
        names = ", ".join(c.name for c in columns)
        sets = ", ".join(
            f"{c.name} = v.{c.name}{cast}"
            for c, (_, cast) in zip(columns, types, strict=True)
            if c.name != "id"
        )
        arrays = ", ".join(
            f"CAST(:{c.name} AS {array})" for c, (array, _) in zip(columns, types, strict=True)
        )
        await self.session.execute(
            sa.text(
                f"UPDATE {table.name} SET {sets} FROM unnest({arrays}) AS v({names}) "  # noqa: S608
                f"WHERE {table.name}.id = v.id"
            ),
            {c.name: _values(c, rows) for c in columns},
        )

    async def lock_keys(self, keys: Sequence[str]) -> None:
        """Transaction-level advisory locks, taken in sorted order (so two lockers cannot deadlock), all in
        one statement: the function scan yields the array's elements, and locks them, in array order."""
        if not keys:
            return
        await self.session.execute(
            sa.text(
                "SELECT count(pg_advisory_xact_lock(hashtextextended(key, 0))) "
                "FROM unnest(CAST(:keys AS text[])) AS key"
            ),
            {"keys": sorted(set(keys))},
        )

    def insert_ignoring_conflict(self, table: sa.Table, index_elements: list[str]) -> Any:
        """A conflicting concurrent insert makes this wait until that transaction ends, so a caller that
        then reads the row sees the winner's committed row."""
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=index_elements)


def _new_id(table: sa.Table) -> str:
    """SQL drawing one new id of ``table`` (bound as ``:table``): a partitioned table's carries its month."""
    draw = "tanbi_month_id" if table.name in PARTITIONED else "nextval"  # both take a regclass
    return f"{draw}(CAST(pg_get_serial_sequence(:table, 'id') AS regclass))"


def _array_type(column: sa.Column[Any]) -> tuple[str, str]:
    """(the array type the values travel as, the cast each element gets back in the SELECT)."""
    kind = column.type.dialect_impl(_DIALECT)
    if isinstance(kind, sa.JSON):
        return "text[]", "::jsonb"
    if isinstance(kind, sa.String):
        return "text[]", ""
    if isinstance(kind, sa.DateTime) or isinstance(column.type, sa.TypeDecorator):
        return "timestamptz[]", ""
    if isinstance(kind, sa.Date):
        return "date[]", ""
    if isinstance(kind, sa.Integer):
        return "bigint[]", ""
    if isinstance(kind, sa.Boolean):
        return "boolean[]", ""
    raise TypeError(f"bulk_insert does not know how to send {column.table.name}.{column.name} ({kind})")


def _values(column: sa.Column[Any], rows: Sequence[dict[str, Any]]) -> list[Any]:
    values = [row[column.name] for row in rows]
    if isinstance(column.type.dialect_impl(_DIALECT), sa.JSON):
        # msgspec (litestar's own encoder) is several times faster than json.dumps, and JSON columns of a
        # credit batch (evidence, breakdown, context) are a good part of what the worker spends per event.
        return [None if v is None else _json(v).decode() for v in values]
    if values and any(isinstance(v, dt.datetime) and v.tzinfo is None for v in values):
        raise ValueError(f"naive datetime given to {column.table.name}.{column.name}")
    return values


async def bulk_insert(
    session: AsyncSession, table: sa.Table, rows: Sequence[dict[str, Any]], *, suffix: str = ""
) -> list[sa.Row[Any]]:
    """Insert ``rows`` (dicts keyed by column name, all with the same keys) in one statement.

    ``suffix`` is appended verbatim (``ON CONFLICT ...``, ``RETURNING ...``); callers pass only constant
    SQL. Returns the rows a ``RETURNING`` suffix gives back (none without one).
    """
    if not rows:
        return []
    columns = [table.c[name] for name in rows[0]]
    types = [_array_type(c) for c in columns]
    names = ", ".join(c.name for c in columns)
    selected = ", ".join(f"v.{c.name}{cast}" for c, (_, cast) in zip(columns, types, strict=True))
    arrays = ", ".join(f"CAST(:{c.name} AS {array})" for c, (array, _) in zip(columns, types, strict=True))
    sql = f"INSERT INTO {table.name} ({names}) SELECT {selected} FROM unnest({arrays}) AS v({names}) {suffix}"  # noqa: S608
    result = await session.execute(sa.text(sql), {c.name: _values(c, rows) for c in columns})
    return list(result.all()) if result.returns_rows else []


def any_of(
    column: sa.ColumnElement[Any] | QueryableAttribute[Any], values: Sequence[Any]
) -> sa.ColumnElement[bool]:
    """``column = ANY(:array)``: one parameter for any number of values (``IN`` binds each separately)."""
    return column == sa.any_(sa.bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
