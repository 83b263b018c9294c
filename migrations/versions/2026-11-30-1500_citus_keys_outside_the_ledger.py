"""Keys Citus can distribute, outside the ledger: logins in their own table, primary keys that hold the
distribution column, no foreign key across co-location groups.

Why (issue 18 part 5, docs/scaling.md, service/db/distribution.py): Citus refuses a primary key, unique
constraint or foreign key of a distributed table that does not hold its distribution column. This is the
first step of the plan; the ledger and the actions follow.

- ``residents`` is distributed by its id, so its unique login hashes (phone, WeChat openid and unionid)
  move to ``resident_logins``, distributed by the hash. A trigger writes a resident's logins from its
  columns on both databases, so every writer (sign-in, the demo city's bulk insert, erasure) is covered;
  a second resident with a taken hash fails on the login's primary key as it failed on the column's unique.
- Primary keys become ``(id, <distribution column>)`` on PostgreSQL: the id first, so a lookup by id still
  uses the index; SQLite keeps ``id`` alone (its rowid, which hands out the ids; SQLite is never
  distributed) and so do the models (the ORM's identity).
- Foreign keys that would cross co-location groups go: an occupancy span, an evidence claim or a partner
  event to its action (each distributed by its own key, the action by its resident), a paycode and an asset
  to their resident, a welfare project (a reference table) to its account. Each of those rows is written in
  the same transaction as what it names and never points at a row that is deleted (actions are never
  deleted, residents are erased in place, accounts stay).
- An attestation's ``jti`` is unique with its resident (144 random bits make it unique on its own), and
  ``partner_event_keys.partner_event_id`` is no longer unique on its own: the trigger of 0022 stores an
  event only under the key naming it, and ``ledger verify`` proves keys and events agree row for row.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 15:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOGINS = ("phone_hash", "openid_hash", "unionid_hash")

# table -> its distribution column, now part of the primary key (on PostgreSQL).
PRIMARY_KEYS = {
    "action_occupancy": "scope_key",
    "assets": "ref",
    "attestations": "resident_id",
    "notification_deliveries": "resident_id",
    "notification_subscriptions": "resident_id",
    "partner_events": "event_id",
    "pooling_consents": "resident_id",
    "refresh_tokens": "token_hash",
    "rollup_log": "resident_id",
}

# (table, column, referred table, referred column): the foreign keys that would cross co-location groups.
CROSSING = (
    ("action_occupancy", "action_id", "action_keys", "action_id"),
    ("assets", "resident_id", "residents", "id"),
    ("evidence_claims", "action_id", "action_keys", "action_id"),
    ("partner_events", "action_id", "action_keys", "action_id"),
    ("paycodes", "resident_id", "residents", "id"),
    ("welfare_projects", "account_id", "accounts", "id"),
)

PG_LOGIN_TRIGGERS = (
    """
CREATE FUNCTION tanbi_resident_logins_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO resident_logins (hash, resident_id)
    SELECT login.hash, new_rows.id FROM new_rows
    CROSS JOIN LATERAL (VALUES (phone_hash), (openid_hash), (unionid_hash)) AS login (hash)
    WHERE login.hash IS NOT NULL;
    RETURN NULL;
END $$;
""",
    """
CREATE TRIGGER resident_logins_added AFTER INSERT ON residents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tanbi_resident_logins_added();
""",
    """
CREATE FUNCTION tanbi_resident_logins_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_old text[] := array_remove(ARRAY[OLD.phone_hash, OLD.openid_hash, OLD.unionid_hash], NULL);
    v_new text[] := array_remove(ARRAY[NEW.phone_hash, NEW.openid_hash, NEW.unionid_hash], NULL);
BEGIN
    DELETE FROM resident_logins WHERE hash = ANY (v_old) AND hash <> ALL (v_new) AND resident_id = OLD.id;
    INSERT INTO resident_logins (hash, resident_id)
    SELECT login, NEW.id FROM unnest(v_new) AS login WHERE login <> ALL (v_old);
    RETURN NULL;
END $$;
""",
    """
CREATE TRIGGER resident_logins_changed AFTER UPDATE OF phone_hash, openid_hash, unionid_hash ON residents
    FOR EACH ROW EXECUTE FUNCTION tanbi_resident_logins_changed();
""",
)


def _sqlite_login_triggers() -> list[str]:
    added = "; ".join(
        f"INSERT INTO resident_logins (hash, resident_id) SELECT NEW.{c}, NEW.id WHERE NEW.{c} IS NOT NULL"
        for c in LOGINS
    )
    statements = [f"CREATE TRIGGER resident_logins_added AFTER INSERT ON residents BEGIN {added}; END"]
    for column in LOGINS:
        statements.append(
            f"""CREATE TRIGGER resident_logins_{column} AFTER UPDATE OF {column} ON residents
            WHEN OLD.{column} IS NOT NEW.{column} BEGIN
                DELETE FROM resident_logins WHERE hash = OLD.{column} AND resident_id = OLD.id;
                INSERT INTO resident_logins (hash, resident_id)
                SELECT NEW.{column}, NEW.id WHERE NEW.{column} IS NOT NULL;
            END"""  # noqa: S608  (column names are this module's constants)
        )
    return statements


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "resident_logins",
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("resident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("hash", name=op.f("pk_resident_logins")),
    )
    logins = " UNION ALL ".join(f"SELECT {c}, id FROM residents WHERE {c} IS NOT NULL" for c in LOGINS)  # noqa: S608
    op.execute(f"INSERT INTO resident_logins (hash, resident_id) {logins}")
    if postgres:
        for column in LOGINS:
            op.drop_constraint(f"uq_residents_{column}", "residents", type_="unique")
        for statement in PG_LOGIN_TRIGGERS:
            op.get_bind().exec_driver_sql(statement)
        for table, column in PRIMARY_KEYS.items():
            _primary_key(table, f"id, {column}")
        for table, column, referred, _ in CROSSING:
            op.drop_constraint(_fk(table, column, referred), table, type_="foreignkey")
        op.drop_constraint("uq_partner_event_keys_partner_event_id", "partner_event_keys", type_="unique")
        op.drop_constraint("uq_attestations_jti", "attestations", type_="unique")
        op.create_unique_constraint("uq_attestations_jti_resident_id", "attestations", ["jti", "resident_id"])
        return
    with _sqlite_batch("residents") as batch:
        for column in LOGINS:
            batch.drop_constraint(f"uq_residents_{column}", type_="unique")
    for statement in _sqlite_login_triggers():
        op.execute(statement)
    for table, column, referred, _ in CROSSING:
        with _sqlite_batch(table) as batch:
            batch.drop_constraint(_fk(table, column, referred), type_="foreignkey")
    with _sqlite_batch("partner_event_keys") as batch:
        batch.drop_constraint("uq_partner_event_keys_partner_event_id", type_="unique")
    with _sqlite_batch("attestations") as batch:
        batch.drop_constraint("uq_attestations_jti", type_="unique")
        batch.create_unique_constraint("uq_attestations_jti_resident_id", ["jti", "resident_id"])


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.drop_constraint("uq_attestations_jti_resident_id", "attestations", type_="unique")
        op.create_unique_constraint("uq_attestations_jti", "attestations", ["jti"])
        op.create_unique_constraint(
            "uq_partner_event_keys_partner_event_id", "partner_event_keys", ["partner_event_id"]
        )
        for table, column, referred, referred_column in CROSSING:
            op.create_foreign_key(_fk(table, column, referred), table, referred, [column], [referred_column])
        for table in PRIMARY_KEYS:
            _primary_key(table, "id")
        op.execute("DROP TRIGGER resident_logins_changed ON residents")
        op.execute("DROP TRIGGER resident_logins_added ON residents")
        op.execute("DROP FUNCTION tanbi_resident_logins_changed()")
        op.execute("DROP FUNCTION tanbi_resident_logins_added()")
        for column in LOGINS:
            op.create_unique_constraint(f"uq_residents_{column}", "residents", [column])
    else:
        with _sqlite_batch("attestations") as batch:
            batch.drop_constraint("uq_attestations_jti_resident_id", type_="unique")
            batch.create_unique_constraint("uq_attestations_jti", ["jti"])
        with _sqlite_batch("partner_event_keys") as batch:
            batch.create_unique_constraint("uq_partner_event_keys_partner_event_id", ["partner_event_id"])
        for table, column, referred, referred_column in CROSSING:
            with _sqlite_batch(table) as batch:
                batch.create_foreign_key(_fk(table, column, referred), referred, [column], [referred_column])
        for name in ("resident_logins_added", *(f"resident_logins_{c}" for c in LOGINS)):
            op.execute(f"DROP TRIGGER {name}")
        with _sqlite_batch("residents") as batch:
            for column in LOGINS:
                batch.create_unique_constraint(f"uq_residents_{column}", [column])
    op.drop_table("resident_logins")


def _fk(table: str, column: str, referred: str) -> str:
    return f"fk_{table}_{column}_{referred}"


def _primary_key(table: str, columns: str) -> None:
    op.execute(
        f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}, ADD CONSTRAINT pk_{table} PRIMARY KEY ({columns})"
    )


@contextmanager
def _sqlite_batch(table: str) -> Iterator[Any]:
    """``op.batch_alter_table`` that keeps the triggers: SQLite's batch mode copies the table into a new one,
    which has none of the old one's triggers, and refuses the copy's rename while another table's trigger
    names the table. So the triggers that name it are dropped first and made again after."""
    query = sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE :t")
    triggers = op.get_bind().execute(query, {"t": f"%{table}%"}).all()
    for name, _ in triggers:
        op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table(table, schema=None) as batch:
        yield batch
    for _, statement in triggers:
        op.execute(statement)
