"""Declarative base with a constraint naming convention, and column types portable across dialects."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware UTC datetime on both dialects.

    PostgreSQL stores ``timestamptz``; SQLite has no time type, so values are stored as naive UTC text and
    made aware again on the way out. Naive input is refused: a time without a zone is a bug.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


# JSON on SQLite, JSONB on PostgreSQL (indexable, compact).
PortableJSON = sa.JSON().with_variant(JSONB(), "postgresql")

# SQLite only has 64-bit INTEGER primary keys that autoincrement when declared plainly as INTEGER.
BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def table(model: type[Any]) -> sa.Table:
    """A mapped class's Table (SQLAlchemy's typing declares ``__table__`` as any FromClause)."""
    return cast(sa.Table, model.__table__)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {dt.datetime: UTCDateTime()}
