"""The Citus plan as data, and the rules Citus holds a schema to (docs/scaling.md says why each table is
where it is).

Every table of the schema is one of three kinds:

- **distributed** by a column, in a co-location group: rows with the same value of that column live on the
  same shard as the rows of every other table of the group with that value. The resident group (the
  resident's id) holds the resident's actions, wallet, lots, holds, transfers, vouchers and the rest; a
  table whose rows must be unique across residents (a login, a partner's event id, an evidence key) is
  distributed by that key in a group of its own.
- **reference**: small, read everywhere, copied to every node.
- **local**: stays on the coordinator (the city's read model, the carbon registry, the audit log).

What Citus refuses, and ``violations`` reports against a live schema:

1. a primary key, unique constraint or exclusion constraint of a distributed table without its
   distribution column;
2. a distribution column that may be null;
3. a foreign key from a distributed table, other than to a reference table or to a table of its own group
   joined on the distribution columns of both;
4. a foreign key from a reference table to anything but a reference table, or from a local table to a
   distributed one;
5. a co-location group whose distribution columns are not of one type (the hashes would not agree);
6. a table the plan does not place (every new table has to say where it goes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

REFERENCE = "reference"
LOCAL = "local"
RESIDENT = "resident"


@dataclass(frozen=True)
class Distributed:
    """Distributed by ``column``, co-located with the other tables of ``group``."""

    column: str
    group: str = RESIDENT


Placement = Distributed | str


def _by_resident(*tables: str) -> dict[str, Placement]:
    return {name: Distributed("resident_id") for name in tables}


def _by_own_key(**columns: str) -> dict[str, Placement]:
    """Tables whose rows are unique across residents: each is its own group, distributed by that key."""
    return {name: Distributed(column, group=name) for name, column in columns.items()}


PLAN: Mapping[str, Placement] = {
    "residents": Distributed("id"),
    **_by_resident(
        "accounts",  # the wallet's owner; a pool account (issuance, merchant tills) carries its slot's anchor
        "actions",
        "action_keys",
        "attestations",
        "batch_actions",
        "charges",
        "donations",
        "holds",
        "idempotency_records",
        "lot_allocations",
        "lots",
        "notification_deliveries",
        "notification_marks",
        "notification_subscriptions",
        "pooling_consents",
        "rollup_log",
        "transfer_keys",
        "transfers",
        "vouchers",
    ),
    # Looked up by partner and subject on every report, unique per active subject.
    "bindings": Distributed("partner_id", group="bindings"),
    # A partner's event has no resident until it is claimed; its id is what is unique and never changes.
    "partner_events": Distributed("event_id", group="partner_events"),
    "partner_event_keys": Distributed("event_id", group="partner_events"),
    **_by_own_key(
        action_occupancy="scope_key",
        action_sources="source_key",
        assets="ref",
        cap_counters="key",
        evidence_claims="key",
        paycodes="code_hash",
        refresh_tokens="token_hash",
        resident_logins="hash",
        webhook_deliveries="webhook_id",
    ),
    **dict.fromkeys(
        (
            "city_users",
            "credit_batches",
            "crediting_projects",
            "merchants",
            "methodology_param_versions",
            "offers",
            "partner_secrets",
            "partners",
            "registry_accounts",
            "welfare_projects",
        ),
        REFERENCE,
    ),
    **dict.fromkeys(
        (
            "alembic_version",
            "audit_log",
            "city_cells",
            "city_publications",
            "link_tokens",
            "registry_operations",
            "retirements",
            "rollup_counters",
            "rollup_members",
            "rollup_participants",
            "serial_blocks",
        ),
        LOCAL,
    ),
}


# Foreign keys the plan gives up, (table, column, referred table, referred column): each would cross
# co-location groups, or point from a reference table into a distributed one. The rows are written in the
# transaction of what they name, which is never deleted; ``tanbi ledger verify`` (``references_resolve``)
# proves every one still names a row.
UNENFORCED = (
    ("action_occupancy", "action_id", "action_keys", "action_id"),
    ("assets", "resident_id", "residents", "id"),
    ("bindings", "resident_id", "residents", "id"),
    ("evidence_claims", "action_id", "action_keys", "action_id"),
    ("holds", "credit_account_id", "accounts", "id"),
    ("holds", "debit_account_id", "accounts", "id"),
    ("partner_events", "action_id", "action_keys", "action_id"),
    ("paycodes", "resident_id", "residents", "id"),
    ("resident_logins", "resident_id", "residents", "id"),
    ("transfers", "credit_account_id", "accounts", "id"),
    ("transfers", "debit_account_id", "accounts", "id"),
    ("welfare_projects", "account_id", "accounts", "id"),
)


def joined(column: str, referred: str) -> sa.ForeignKeyConstraint:
    """A model's foreign key from ``column`` to ``referred`` ("table.column") that joins on the resident too,
    as Citus needs between two tables of the resident group."""
    table = referred.split(".")[0]
    return sa.ForeignKeyConstraint([column, "resident_id"], [referred, f"{table}.resident_id"])


# On PostgreSQL a distributed table's primary key is (id, resident_id) (migrations 0023 and 0024); the models
# name ``id`` alone, which is the ORM's identity and SQLite's rowid (SQLite hands out the ids and is never
# distributed). Where a composite foreign key points at such a table, SQLite needs a unique key of its own:
ROWID_TWIN = "uq_{table}_id_resident_id"


def rowid_twin() -> sa.UniqueConstraint:
    """The unique (id, resident_id) a composite foreign key points at: SQLite's; PostgreSQL's primary key."""
    return sa.UniqueConstraint("id", "resident_id")


def is_rowid_twin(obj: object) -> bool:
    """Alembic's comparison on PostgreSQL skips a model's ``rowid_twin``: the primary key is that key."""
    table = getattr(getattr(obj, "table", None), "name", "")
    return isinstance(obj, sa.UniqueConstraint) and obj.name == ROWID_TWIN.format(table=table)


@dataclass(frozen=True)
class Constraint:
    """A primary key (``p``), unique (``u``), exclusion (``x``) or foreign key (``f``) constraint."""

    table: str
    name: str
    kind: str
    columns: tuple[str, ...]
    referred_table: str | None = None
    referred_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Column:
    table: str
    name: str
    type: str
    nullable: bool


def violations(
    plan: Mapping[str, Placement], constraints: Iterable[Constraint], columns: Iterable[Column]
) -> list[str]:
    """What Citus would refuse of this schema under ``plan``, one sentence each, sorted."""
    by_table = {(c.table, c.name): c for c in columns}
    tables = {c.table for c in by_table.values()}
    found = [f"{t}: not in the plan" for t in sorted(tables - plan.keys())]
    found += [f"{t}: planned but not in the schema" for t in sorted(plan.keys() - tables)]
    found += _column_problems({t: p for t, p in plan.items() if t in tables}, by_table)
    for constraint in constraints:
        if constraint.table in plan:
            found += _constraint_problems(plan, constraint)
    return sorted(found)


def _column_problems(plan: Mapping[str, Placement], columns: Mapping[tuple[str, str], Column]) -> list[str]:
    """The distribution columns of the tables of ``plan`` (each in the schema): present, typed, not null."""
    found: list[str] = []
    types: dict[str, set[str]] = defaultdict(set)
    for table, placement in plan.items():
        if not isinstance(placement, Distributed):
            continue
        column = columns.get((table, placement.column))
        if column is None:
            found.append(f"{table}: no distribution column {placement.column}")
            continue
        types[placement.group].add(column.type)
        if column.nullable:
            found.append(f"{table}: distribution column {placement.column} nullable")
    for group, seen in sorted(types.items()):
        if len(seen) > 1:
            found.append(f"group {group}: distribution columns of types {', '.join(sorted(seen))}")
    return found


def _constraint_problems(plan: Mapping[str, Placement], constraint: Constraint) -> list[str]:
    placement = plan[constraint.table]
    what = f"{constraint.table}.{constraint.name}"
    if constraint.kind != "f":
        if isinstance(placement, Distributed) and placement.column not in constraint.columns:
            return [f"{what}: key ({', '.join(constraint.columns)}) without {placement.column}"]
        return []
    referred = constraint.referred_table or ""
    target = plan.get(referred, LOCAL)
    if target == REFERENCE:
        return []
    if placement == REFERENCE:
        return [f"{what}: reference table refers to non-reference {referred}"]
    if placement == LOCAL:
        return [f"{what}: local table refers to distributed {referred}"] if target != LOCAL else []
    if not isinstance(target, Distributed):
        return [f"{what}: refers to local {referred}"]
    if not _joins_on_distribution(constraint, placement, target):
        return [f"{what}: refers to {referred} off the distribution columns"]
    return []


def _joins_on_distribution(constraint: Constraint, source: Placement, target: Distributed) -> bool:
    assert isinstance(source, Distributed)
    if source.group != target.group:
        return False
    pairs = zip(constraint.columns, constraint.referred_columns, strict=True)
    return (source.column, target.column) in pairs


_CONSTRAINTS = sa.text(
    """
    SELECT c.relname, con.conname, CAST(con.contype AS text),
           ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                 JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i),
           r.relname,
           ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                 JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i)
    FROM pg_constraint con
    JOIN pg_class c ON c.oid = con.conrelid
    JOIN pg_namespace ns ON ns.oid = c.relnamespace
    LEFT JOIN pg_class r ON r.oid = con.confrelid
    WHERE ns.nspname = current_schema() AND con.contype IN ('p', 'u', 'x', 'f')
      AND NOT c.relispartition AND con.conparentid = 0
    """
)
# Unique indexes that back no constraint (a partial unique index) bind Citus just the same.
_UNIQUE_INDEXES = sa.text(
    """
    SELECT c.relname, i.relname, 'u',
           ARRAY(SELECT a.attname FROM unnest(x.indkey::int2[]) k(n)
                 JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n)
    FROM pg_index x
    JOIN pg_class c ON c.oid = x.indrelid
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_namespace ns ON ns.oid = c.relnamespace
    WHERE ns.nspname = current_schema() AND x.indisunique AND NOT c.relispartition
      AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = x.indexrelid)
      AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = x.indexrelid)
    """
)
_COLUMNS = sa.text(
    """
    SELECT c.relname, a.attname, format_type(a.atttypid, NULL), NOT a.attnotnull
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace ns ON ns.oid = c.relnamespace
    WHERE ns.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND a.attnum > 0 AND NOT a.attisdropped
    """
)


async def read_schema(session: AsyncSession) -> tuple[list[Constraint], list[Column]]:
    """The constraints and columns of a PostgreSQL schema's tables (partitions are their parent's)."""
    constraints = [
        Constraint(table, name, kind, tuple(cols), referred, tuple(referred_cols or ()))
        for table, name, kind, cols, referred, referred_cols in (await session.execute(_CONSTRAINTS)).all()
    ]
    constraints += [
        Constraint(table, name, kind, tuple(cols))
        for table, name, kind, cols in (await session.execute(_UNIQUE_INDEXES)).all()
    ]
    columns = [Column(*row) for row in (await session.execute(_COLUMNS)).all()]
    return constraints, columns
