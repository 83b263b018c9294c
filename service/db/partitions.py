"""Monthly partitions of the three tables that grow with every report: actions, transfers, partner events.

The partition key is the id. On PostgreSQL each of these ids is ``tanbi_month_key(now()) + nextval(seq)``
(migration 0022): the month the row was recorded in, counted from January 2000 and shifted 40 bits left,
plus the table's sequence. So ``PARTITION BY RANGE (id)`` is a partition per month, and every primary key
already held the partition key (since the Citus keys of migrations 0024 and 0025, ``(id, resident_id)`` or
``(id, event_id)``). What had to move is uniqueness across months (a source key, an idempotency key, a
partner's event id), which a partitioned table can only enforce per partition: small key tables hold it
(``action_keys``, ``action_sources``, ``transfer_keys``, ``partner_event_keys``).

Rows recorded before the migration keep their small ids in the ``<table>_legacy`` partition, which is the
old table itself, attached without a copy. SQLite (the embedded default) is not partitioned; it has the key
tables too, so both engines enforce the same rules in the same place.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.distribution import is_rowid_twin

PARTITIONED = ("transfers", "actions", "partner_events")
# Months created ahead of the current one, kept by the hourly job. One: a month's partition exists weeks
# before its first row. Not more: every query that cannot prune by id plans each partition, and with three
# empty months ahead the test suite (whose statements are planned once each) ran 12 % slower.
MONTHS_AHEAD = 1
MONTH_BITS = 40
EPOCH_YEAR = 2000
_PARTITION_NAME = re.compile(rf"^({'|'.join(PARTITIONED)})_(legacy|\d{{6}})$")


def is_partition(name: str) -> bool:
    """A partition's table name (``actions_202611``, ``actions_legacy``): not a table of the models."""
    return bool(_PARTITION_NAME.match(name))


def month_key(at: dt.datetime) -> int:
    """The first id of ``at``'s month (UTC): what SQL's ``tanbi_month_key`` computes."""
    utc = at.astimezone(dt.UTC)
    return ((utc.year - EPOCH_YEAR) * 12 + utc.month - 1) << MONTH_BITS


def month_of(row_id: int) -> tuple[int, int]:
    """(year, month) an id was recorded in; ids below 2**40 are from before partitioning (the legacy part)."""
    index = row_id >> MONTH_BITS
    return EPOCH_YEAR + index // 12, index % 12 + 1


async def ensure(session: AsyncSession, months_ahead: int = MONTHS_AHEAD) -> int:
    """Create this month's partitions and the next ``months_ahead`` months' where missing; returns how many
    were made. A no-op on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        return 0
    made = await session.scalar(sa.text("SELECT tanbi_ensure_partitions(:ahead)"), {"ahead": months_ahead})
    return int(made or 0)


async def months_ahead(session: AsyncSession, now: dt.datetime) -> int | None:
    """How many months after ``now``'s have their partitions in every partitioned table (-1: even this
    month's is missing, and inserts fail); None on SQLite, which has no partitions."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    rows = await session.execute(
        sa.text(
            "SELECT parent.relname, child.relname FROM pg_inherits "
            "JOIN pg_class parent ON parent.oid = inhparent JOIN pg_class child ON child.oid = inhrelid "
            "WHERE parent.relname = ANY(:parents)"
        ),
        {"parents": list(PARTITIONED)},
    )
    made: dict[str, set[str]] = {parent: set() for parent in PARTITIONED}
    for parent, child in rows.all():
        made[parent].add(child.removeprefix(f"{parent}_"))
    return min(_consecutive(names, now) for names in made.values())


def _consecutive(suffixes: set[str], now: dt.datetime) -> int:
    utc = now.astimezone(dt.UTC)
    index, ahead = utc.year * 12 + utc.month - 1, -1
    while f"{(index + ahead + 1) // 12:04d}{(index + ahead + 1) % 12 + 1:02d}" in suffixes:
        ahead += 1
    return ahead


def compare_server_default(
    context: Any, inspected: Any, metadata_column: sa.Column[Any], *_: Any
) -> bool | None:
    """Alembic's hook: a partitioned table's id default is ``tanbi_month_id(...)`` on PostgreSQL (set by the
    migration, not expressible per dialect in the model); every other default is compared as usual."""
    if metadata_column.table.name in PARTITIONED and metadata_column.name == "id":
        return False
    return None


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's hook: partitions are the database's business, not tables of the models; nor are the
    foreign keys PostgreSQL keeps, under a foreign key to a partitioned table, to each of its partitions."""
    if not reflected or compare_to is not None:
        return True
    if type_ == "table":
        return name is None or not is_partition(name)
    if type_ == "foreign_key_constraint":
        return not is_partition(obj.referred_table.name)
    return True


def include_object_on(dialect: str) -> Callable[[Any, str | None, str, bool, Any], bool]:
    """Alembic's hook for a database of ``dialect``: ``include_object``, and on PostgreSQL without the
    models' unique (id, resident_id) keys, which are its primary keys there (service/db/distribution.py)."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if dialect == "postgresql" and type_ == "unique_constraint" and not reflected and is_rowid_twin(obj):
            return False
        return include_object(obj, name, type_, reflected, compare_to)

    return include
