"""Actions and their keys carry the resident in every key; source keys get a table of their own; bindings
are distributed by partner.

Why (issue 18 part 5, docs/scaling.md, service/db/distribution.py): the last of the schema Citus would refuse.

- ``actions``' primary key is ``(id, resident_id)`` on PostgreSQL (the id is still the partition key).
- ``action_keys`` holds an action's id and credit transfer with its resident, keyed ``(action_id,
  resident_id)``: what a pooled batch's membership points at. A source key must be unique across all
  residents (it is the credit path's replay guard), so it moves to ``action_sources``, distributed by the
  key itself. The trigger on ``actions`` writes both, as it wrote ``action_keys`` before.
- ``batch_actions`` carries the action's resident and points at ``action_keys`` with it.
- ``bindings`` are looked up by (partner, subject) on every report and unique per active subject: they are
  distributed by partner, their primary key ``(id, partner_id)``; the resident they name loses its foreign
  key (``ledger verify``'s ``references_resolve`` stands in: residents are erased in place, never deleted).

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30 16:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FIXED_MESSAGE = "rows are never deleted nor their keys changed: the key tables rely on it"
FIXED = {
    "actions": "id, source_key, resident_id",
    "action_keys": "action_id, resident_id",
    "action_sources": "source_key, action_id",
}
OLD_FIXED = {"actions": "id, source_key", "action_keys": "source_key, action_id"}

PG_TRIGGERS = (
    """
CREATE OR REPLACE FUNCTION tanbi_action_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO action_keys (action_id, resident_id, transfer_id) SELECT id, resident_id, transfer_id FROM new_rows;
    INSERT INTO action_sources (source_key, action_id) SELECT source_key, id FROM new_rows;
    RETURN NULL;
END $$;
""",
    """
CREATE OR REPLACE FUNCTION tanbi_action_keys_transfer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE action_keys SET transfer_id = NEW.transfer_id WHERE action_id = NEW.id AND resident_id = NEW.resident_id;
    RETURN NULL;
END $$;
""",
)
PG_OLD_TRIGGERS = (
    """
CREATE OR REPLACE FUNCTION tanbi_action_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO action_keys (source_key, action_id, transfer_id) SELECT source_key, id, transfer_id FROM new_rows;
    RETURN NULL;
END $$;
""",
    """
CREATE OR REPLACE FUNCTION tanbi_action_keys_transfer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE action_keys SET transfer_id = NEW.transfer_id WHERE source_key = NEW.source_key;
    RETURN NULL;
END $$;
""",
)
SQLITE_TRIGGERS = (
    """CREATE TRIGGER action_keys AFTER INSERT ON actions BEGIN
        INSERT INTO action_keys (action_id, resident_id, transfer_id) VALUES (NEW.id, NEW.resident_id, NEW.transfer_id);
        INSERT INTO action_sources (source_key, action_id) VALUES (NEW.source_key, NEW.id);
    END""",
    """CREATE TRIGGER action_keys_transfer AFTER UPDATE OF transfer_id ON actions
    WHEN OLD.transfer_id IS NOT NEW.transfer_id BEGIN
        UPDATE action_keys SET transfer_id = NEW.transfer_id WHERE action_id = NEW.id AND resident_id = NEW.resident_id;
    END""",
)
SQLITE_OLD_TRIGGERS = (
    """CREATE TRIGGER action_keys AFTER INSERT ON actions BEGIN
        INSERT INTO action_keys (source_key, action_id, transfer_id) VALUES (NEW.source_key, NEW.id, NEW.transfer_id);
    END""",
    """CREATE TRIGGER action_keys_transfer AFTER UPDATE OF transfer_id ON actions
    WHEN OLD.transfer_id IS NOT NEW.transfer_id BEGIN
        UPDATE action_keys SET transfer_id = NEW.transfer_id WHERE source_key = NEW.source_key;
    END""",
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    _drop_fixed(OLD_FIXED, postgres=postgres)
    op.create_table(
        "action_sources",
        sa.Column("source_key", sa.String(200), nullable=False),
        sa.Column("action_id", ID, nullable=False),
        sa.PrimaryKeyConstraint("source_key", name=op.f("pk_action_sources")),
    )
    op.execute(
        "INSERT INTO action_sources (source_key, action_id) SELECT source_key, action_id FROM action_keys"
    )
    if postgres:
        _upgrade_postgres()
    else:
        _upgrade_sqlite()
    _fixed(FIXED, postgres=postgres)


def _upgrade_postgres() -> None:
    op.drop_constraint("fk_bindings_resident_id_residents", "bindings", type_="foreignkey")
    _primary_key("bindings", "id, partner_id")
    _primary_key("actions", "id, resident_id")
    for table in ("action_keys", "batch_actions"):
        op.add_column(table, sa.Column("resident_id", sa.BigInteger(), nullable=True))
        op.execute(
            f"UPDATE {table} SET resident_id = (SELECT a.resident_id FROM actions a WHERE a.id = {table}.action_id)"  # noqa: S608  (constants)
        )
        op.alter_column(table, "resident_id", nullable=False)
    op.drop_constraint("fk_batch_actions_action_id_action_keys", "batch_actions", type_="foreignkey")
    op.drop_constraint("uq_action_keys_action_id", "action_keys", type_="unique")
    op.drop_constraint("uq_action_keys_transfer_id", "action_keys", type_="unique")
    op.drop_constraint("pk_action_keys", "action_keys", type_="primary")
    op.drop_column("action_keys", "source_key")
    op.create_primary_key("pk_action_keys", "action_keys", ["action_id", "resident_id"])
    op.create_unique_constraint(
        "uq_action_keys_transfer_id_resident_id", "action_keys", ["transfer_id", "resident_id"]
    )
    _primary_key("batch_actions", "action_id, resident_id")
    op.create_foreign_key(
        "fk_batch_actions_action_id_action_keys",
        "batch_actions",
        "action_keys",
        ["action_id", "resident_id"],
        ["action_id", "resident_id"],
    )
    for body in PG_TRIGGERS:
        op.get_bind().exec_driver_sql(body)


def _upgrade_sqlite() -> None:
    for name in ("action_keys", "action_keys_transfer"):
        op.execute(f"DROP TRIGGER {name}")
    with _sqlite_batch("bindings") as batch:
        batch.drop_constraint("fk_bindings_resident_id_residents", type_="foreignkey")
    for table in ("action_keys", "batch_actions"):
        with _sqlite_batch(table) as batch:
            batch.add_column(sa.Column("resident_id", ID, nullable=True))
        op.execute(
            f"UPDATE {table} SET resident_id = (SELECT a.resident_id FROM actions a WHERE a.id = {table}.action_id)"  # noqa: S608  (constants)
        )
    with _sqlite_batch("batch_actions") as batch:
        batch.drop_constraint("fk_batch_actions_action_id_action_keys", type_="foreignkey")
    with _sqlite_batch("action_keys") as batch:
        batch.alter_column("resident_id", existing_type=ID, nullable=False)
        batch.drop_constraint("uq_action_keys_action_id", type_="unique")
        batch.drop_constraint("uq_action_keys_transfer_id", type_="unique")
        batch.drop_constraint("pk_action_keys", type_="primary")
        batch.drop_column("source_key")
        batch.create_primary_key("pk_action_keys", ["action_id", "resident_id"])
        batch.create_unique_constraint(
            "uq_action_keys_transfer_id_resident_id", ["transfer_id", "resident_id"]
        )
    with _sqlite_batch("batch_actions") as batch:
        batch.alter_column("resident_id", existing_type=ID, nullable=False)
        batch.drop_constraint("pk_batch_actions", type_="primary")
        batch.create_primary_key("pk_batch_actions", ["action_id", "resident_id"])
        batch.create_foreign_key(
            "fk_batch_actions_action_id_action_keys",
            "action_keys",
            ["action_id", "resident_id"],
            ["action_id", "resident_id"],
        )
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    _drop_fixed(FIXED, postgres=postgres)
    if postgres:
        for body in PG_OLD_TRIGGERS:
            op.get_bind().exec_driver_sql(body)
        op.drop_constraint("fk_batch_actions_action_id_action_keys", "batch_actions", type_="foreignkey")
        _primary_key("batch_actions", "action_id")
        op.drop_constraint("uq_action_keys_transfer_id_resident_id", "action_keys", type_="unique")
        op.drop_constraint("pk_action_keys", "action_keys", type_="primary")
        op.add_column("action_keys", sa.Column("source_key", sa.String(200), nullable=True))
        _sources_back()
        op.alter_column("action_keys", "source_key", nullable=False)
        op.create_primary_key("pk_action_keys", "action_keys", ["source_key"])
        op.create_unique_constraint("uq_action_keys_action_id", "action_keys", ["action_id"])
        op.create_unique_constraint("uq_action_keys_transfer_id", "action_keys", ["transfer_id"])
        for table in ("action_keys", "batch_actions"):
            op.drop_column(table, "resident_id")
        op.create_foreign_key(
            "fk_batch_actions_action_id_action_keys",
            "batch_actions",
            "action_keys",
            ["action_id"],
            ["action_id"],
        )
        _primary_key("actions", "id")
        _primary_key("bindings", "id")
        op.create_foreign_key(
            "fk_bindings_resident_id_residents", "bindings", "residents", ["resident_id"], ["id"]
        )
    else:
        for name in ("action_keys", "action_keys_transfer"):
            op.execute(f"DROP TRIGGER {name}")
        with _sqlite_batch("batch_actions") as batch:
            batch.drop_constraint("fk_batch_actions_action_id_action_keys", type_="foreignkey")
            batch.drop_constraint("pk_batch_actions", type_="primary")
            batch.drop_column("resident_id")
            batch.create_primary_key("pk_batch_actions", ["action_id"])
        with _sqlite_batch("action_keys") as batch:
            batch.add_column(sa.Column("source_key", sa.String(200), nullable=True))
        _sources_back()
        with _sqlite_batch("action_keys") as batch:
            batch.alter_column("source_key", existing_type=sa.String(200), nullable=False)
            batch.drop_constraint("uq_action_keys_transfer_id_resident_id", type_="unique")
            batch.drop_constraint("pk_action_keys", type_="primary")
            batch.drop_column("resident_id")
            batch.create_primary_key("pk_action_keys", ["source_key"])
            batch.create_unique_constraint("uq_action_keys_action_id", ["action_id"])
            batch.create_unique_constraint("uq_action_keys_transfer_id", ["transfer_id"])
        with _sqlite_batch("batch_actions") as batch:
            batch.create_foreign_key(
                "fk_batch_actions_action_id_action_keys", "action_keys", ["action_id"], ["action_id"]
            )
        with _sqlite_batch("bindings") as batch:
            batch.create_foreign_key(
                "fk_bindings_resident_id_residents", "residents", ["resident_id"], ["id"]
            )
        for statement in SQLITE_OLD_TRIGGERS:
            op.execute(statement)
    op.drop_table("action_sources")
    _fixed(OLD_FIXED, postgres=postgres)


def _sources_back() -> None:
    op.execute(
        "UPDATE action_keys SET source_key = "
        "(SELECT s.source_key FROM action_sources s WHERE s.action_id = action_keys.action_id)"
    )


def _primary_key(table: str, columns: str) -> None:
    op.execute(
        f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}, ADD CONSTRAINT pk_{table} PRIMARY KEY ({columns})"
    )


def _fixed(fixed: dict[str, str], *, postgres: bool) -> None:
    """Migration 0022's ``*_keys_fixed`` triggers: these rows are never deleted nor their keys changed."""
    for table, columns in fixed.items():
        if postgres:
            op.execute(
                f"CREATE TRIGGER {table}_keys_fixed BEFORE DELETE OR UPDATE OF {columns} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION tanbi_keys_fixed()"
            )
            continue
        for event, trigger in ((f"UPDATE OF {columns}", "update"), ("DELETE", "delete")):
            op.execute(
                f"CREATE TRIGGER {table}_keys_fixed_{trigger} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table}: {FIXED_MESSAGE}'); END"
            )


def _drop_fixed(fixed: dict[str, str], *, postgres: bool) -> None:
    for table in fixed:
        if postgres:
            op.execute(f"DROP TRIGGER {table}_keys_fixed ON {table}")
        else:
            op.execute(f"DROP TRIGGER {table}_keys_fixed_update")
            op.execute(f"DROP TRIGGER {table}_keys_fixed_delete")


@contextmanager
def _sqlite_batch(table: str) -> Iterator[Any]:
    """``op.batch_alter_table`` that keeps the triggers (migration 0023 says why)."""
    query = sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE :t")
    triggers = op.get_bind().execute(query, {"t": f"%{table}%"}).all()
    for name, _ in triggers:
        op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table(table, schema=None) as batch:
        yield batch
    for _, statement in triggers:
        op.execute(statement)
