"""Set-based writes for PostgreSQL: many rows in one statement, with one array parameter per column.

``INSERT ... SELECT FROM unnest($1::bigint[], $2::text[], ...)`` is planned once and costs the same few
parameters for ten rows or ten thousand; an executemany or a multi-row VALUES list renders and binds every
value separately, which for a 500-event batch cost more than the database's own work. JSON columns travel as
text arrays cast per element; aware datetimes are checked the way ``UTCDateTime`` checks them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

_DIALECT = postgresql.dialect()


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
        return [None if v is None else json.dumps(v) for v in values]
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


def one_of(
    session: AsyncSession, column: sa.ColumnElement[Any], values: Sequence[Any]
) -> sa.ColumnElement[bool]:
    """``any_of`` on PostgreSQL, ``IN`` elsewhere."""
    dialect = session.bind.dialect.name if session.bind is not None else "postgresql"
    return any_of(column, values) if dialect == "postgresql" else column.in_(list(values))
