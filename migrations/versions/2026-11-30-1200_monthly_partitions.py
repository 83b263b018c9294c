"""Monthly partitions of actions, transfers and partner events; their cross-month keys in key tables.

Why (issue 18 part 5, docs/scaling.md): these three tables gain a row with every report, credit and payment.
Partitioned by month, an old month's indexes stop growing and leave the hot set, vacuum works a month at a
time, and an audited month can be detached and archived whole.

How (service/db/partitions.py):
- The partition key is the id: on PostgreSQL each new id is ``tanbi_month_key(now()) + nextval(seq)``, the
  recording month (months since 2000-01, shifted 40 bits) plus the sequence. ``PARTITION BY RANGE (id)``
  then gives one partition per month while every primary key stays ``(id)``. Ids stay time-ordered and
  below 2**53, so JavaScript clients read them exactly.
- A partitioned table enforces a unique constraint only within one partition, so what must be unique across
  months moves to key tables: ``action_keys`` (source key, credit transfer), ``transfer_keys`` (idempotency
  key, reversed transfer, settled hold), ``partner_event_keys`` (a partner's event id). Triggers write the
  first two from every insert (so the redemption functions in PL/pgSQL are covered too); ingest claims the
  third in the statement that stores the event, and a trigger refuses an event stored without its key.
- Foreign keys into an action or a transfer point at its key table's unique id column: PostgreSQL checks a
  foreign key into a partitioned table with a query over the partitions for every row written, which,
  measured, halved the speed of the credit path's inserts. A key row is written by the database from its
  row; the ``*_keys_fixed`` triggers refuse deleting either or changing their keys, so the key row always
  names its row, and ``tanbi ledger verify`` proves the two agree.
- The existing table is not copied: it is renamed ``<table>_legacy`` and attached as the partition of every
  id below 2**40 (what the sequences alone handed out), after a CHECK proving it (validated without blocking
  writes). The foreign keys that pointed at it are re-added against the key tables (NOT VALID, then
  validated, where PostgreSQL allows it).
- ``tanbi_ensure_partitions(n)`` creates this month's and the next ``n`` months' partitions; the migration
  runs it, and the ``ensure_partitions`` job hourly.

SQLite (the embedded default) gets the key tables and their triggers but no partitions.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 12:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MONTHS_AHEAD = 1
# Every id the sequences alone handed out is below this: the legacy partition's upper bound.
LEGACY_BOUND = 1 << 40

FUNCTIONS = (
    """
CREATE FUNCTION tanbi_month_key(p_at timestamptz) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT ((extract(year FROM p_at AT TIME ZONE 'UTC')::bigint - 2000) * 12
            + extract(month FROM p_at AT TIME ZONE 'UTC')::bigint - 1) << 40
$$;
""",
    """
CREATE FUNCTION tanbi_month_id(p_sequence regclass) RETURNS bigint LANGUAGE sql VOLATILE AS $$
    SELECT tanbi_month_key(now()) + nextval(p_sequence)
$$;
""",
    """
CREATE FUNCTION tanbi_month_partition(p_parent text, p_month timestamp) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    v_name text := p_parent || '_' || to_char(p_month, 'YYYYMM');
    v_from bigint := tanbi_month_key(date_trunc('month', p_month) AT TIME ZONE 'UTC');
BEGIN
    IF to_regclass(quote_ident(v_name)) IS NOT NULL THEN RETURN false; END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%s) TO (%s)',
                   v_name, p_parent, v_from, v_from + (1::bigint << 40));
    RETURN true;
END $$;
""",
    """
CREATE FUNCTION tanbi_ensure_partitions(p_ahead integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_parent text; v_made integer := 0;
BEGIN
    -- One creator at a time; and never queue writers for long behind a lock this job waits for.
    PERFORM pg_advisory_xact_lock(hashtextextended('tanbi:partitions', 0));
    PERFORM set_config('lock_timeout', '5s', true);
    FOR v_parent IN SELECT c.relname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid
                    WHERE c.relnamespace = current_schema()::regnamespace ORDER BY c.relname LOOP
        FOR i IN 0..p_ahead LOOP
            IF tanbi_month_partition(v_parent, date_trunc('month', now() AT TIME ZONE 'UTC')
                                               + make_interval(months => i)) THEN
                v_made := v_made + 1;
            END IF;
        END LOOP;
    END LOOP;
    RETURN v_made;
END $$;
""",
)

# The key tables' triggers. Statement triggers with a transition table: one INSERT ... SELECT per
# statement, however many rows it wrote (a batch of credits is one statement).
KEY_TRIGGERS = (
    """
CREATE FUNCTION tanbi_transfer_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO transfer_keys (idempotency_key, transfer_id, reverses_id, hold_id)
    SELECT idempotency_key, id, reverses_id, hold_id FROM new_rows;
    RETURN NULL;
END $$;
""",
    """
CREATE TRIGGER transfer_keys AFTER INSERT ON transfers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tanbi_transfer_keys();
""",
    """
CREATE FUNCTION tanbi_action_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO action_keys (source_key, action_id, transfer_id) SELECT source_key, id, transfer_id FROM new_rows;
    RETURN NULL;
END $$;
""",
    """
CREATE TRIGGER action_keys AFTER INSERT ON actions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tanbi_action_keys();
""",
    """
-- The one-at-a-time credit path stores the action, then its transfer's id.
CREATE FUNCTION tanbi_action_keys_transfer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE action_keys SET transfer_id = NEW.transfer_id WHERE source_key = NEW.source_key;
    RETURN NULL;
END $$;
""",
    """
CREATE TRIGGER action_keys_transfer AFTER UPDATE OF transfer_id ON actions FOR EACH ROW
    WHEN (OLD.transfer_id IS DISTINCT FROM NEW.transfer_id) EXECUTE FUNCTION tanbi_action_keys_transfer();
""",
    """
CREATE FUNCTION tanbi_partner_event_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows n WHERE NOT EXISTS (
                   SELECT 1 FROM partner_event_keys k
                   WHERE k.partner_id = n.partner_id AND k.event_id = n.event_id AND k.partner_event_id = n.id)) THEN
        RAISE EXCEPTION USING ERRCODE = 'unique_violation',
            MESSAGE = 'a partner event is stored only under the key it claimed in partner_event_keys';
    END IF;
    RETURN NULL;
END $$;
""",
    """
CREATE TRIGGER partner_event_keys AFTER INSERT ON partner_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tanbi_partner_event_keys();
""",
)

# What the key tables rely on, held by the database: a row of a partitioned table is never deleted and its
# keys never change, and neither do the key rows (action_keys.transfer_id is filled in by the trigger above).
# So a key row always names its row without a foreign key to the partitioned table, whose check (a query
# over the partitions per row written) cost a tenth of the credit path's throughput, measured.
FIXED = {
    "actions": "id, source_key",
    "transfers": "id, idempotency_key, reverses_id, hold_id",
    "partner_events": "id, partner_id, event_id",
    "action_keys": "source_key, action_id",
    "transfer_keys": "idempotency_key, transfer_id, reverses_id, hold_id",
    "partner_event_keys": "partner_id, event_id, partner_event_id",
}
FIXED_MESSAGE = "rows are never deleted nor their keys changed: the key tables rely on it"
FIXED_FUNCTION = f"""
CREATE FUNCTION tanbi_keys_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation',
        MESSAGE = TG_TABLE_NAME || ': {FIXED_MESSAGE}';
END $$;
"""

SQLITE_KEY_TRIGGERS = (
    """CREATE TRIGGER transfer_keys AFTER INSERT ON transfers BEGIN
        INSERT INTO transfer_keys (idempotency_key, transfer_id, reverses_id, hold_id)
        VALUES (NEW.idempotency_key, NEW.id, NEW.reverses_id, NEW.hold_id);
    END""",
    """CREATE TRIGGER action_keys AFTER INSERT ON actions BEGIN
        INSERT INTO action_keys (source_key, action_id, transfer_id) VALUES (NEW.source_key, NEW.id, NEW.transfer_id);
    END""",
    """CREATE TRIGGER action_keys_transfer AFTER UPDATE OF transfer_id ON actions
    WHEN OLD.transfer_id IS NOT NEW.transfer_id BEGIN
        UPDATE action_keys SET transfer_id = NEW.transfer_id WHERE source_key = NEW.source_key;
    END""",
    """CREATE TRIGGER partner_event_keys AFTER INSERT ON partner_events BEGIN
        SELECT RAISE(ABORT, 'a partner event is stored only under the key it claimed in partner_event_keys')
        WHERE NOT EXISTS (SELECT 1 FROM partner_event_keys k WHERE k.partner_id = NEW.partner_id
                          AND k.event_id = NEW.event_id AND k.partner_event_id = NEW.id);
    END""",
)
TRIGGERS = ("transfer_keys", "action_keys", "action_keys_transfer", "partner_event_keys")


class Spec(NamedTuple):
    """One table's shape around the partitioning: its own foreign keys to unpartitioned tables (recreated on
    the parent), its indexes, the uniques that move to the key table and the lookups that replace them."""

    name: str
    foreign_keys: dict[str, str]
    indexes: dict[str, str]
    uniques: dict[str, str]

    @property
    def lookups(self) -> dict[str, str]:
        """The non-unique indexes that take the uniques' place for lookups: uq_t_x -> ix_t_x."""
        return {"ix_" + name.removeprefix("uq_"): columns for name, columns in self.uniques.items()}


TRANSFERS = Spec(
    "transfers",
    foreign_keys={
        "fk_transfers_debit_account_id_accounts": "(debit_account_id) REFERENCES accounts (id)",
        "fk_transfers_credit_account_id_accounts": "(credit_account_id) REFERENCES accounts (id)",
        "fk_transfers_hold_id_holds": "(hold_id) REFERENCES holds (id)",
    },
    indexes={
        "ix_transfers_created_at": "created_at",
        "ix_transfers_credit_account_id": "credit_account_id",
        "ix_transfers_debit_account_id": "debit_account_id",
    },
    uniques={
        "uq_transfers_idempotency_key": "idempotency_key",
        "uq_transfers_reverses_id": "reverses_id",
        "uq_transfers_hold_id": "hold_id",
    },
)
ACTIONS = Spec(
    "actions",
    foreign_keys={
        "fk_actions_resident_id_residents": "(resident_id) REFERENCES residents (id)",
    },
    indexes={
        "ix_actions_history_key_occurred_at": "history_key, occurred_at",
        "ix_actions_methodology_id_occurred_at": "methodology_id, occurred_at",
        "ix_actions_resident_id_occurred_at": "resident_id, occurred_at",
    },
    uniques={"uq_actions_source_key": "source_key", "uq_actions_transfer_id": "transfer_id"},
)
PARTNER_EVENTS = Spec(
    "partner_events",
    foreign_keys={
        "fk_partner_events_partner_id_partners": "(partner_id) REFERENCES partners (id)",
    },
    indexes={
        "ix_partner_events_partner_id_subject_hash": "partner_id, subject_hash",
        "ix_partner_events_status_received_at": "status, received_at",
    },
    uniques={"uq_partner_events_partner_id_event_id": "partner_id, event_id"},
)
SPECS = (TRANSFERS, ACTIONS, PARTNER_EVENTS)
# Foreign keys into a partitioned table are checked by a query over the partitioned table, row by row:
# measured, that made the credit path's inserts (lots, idempotency records, occupancy, the events' update)
# twice as slow. So they point at the key table's unique id column instead, a plain btree lookup; a key row
# is written by the database from its row, and neither may be deleted or re-keyed (FIXED below).
KEY_OF = {"transfers": ("transfer_keys", "transfer_id"), "actions": ("action_keys", "action_id")}


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for statement in FUNCTIONS:
            op.get_bind().exec_driver_sql(statement)
        into = _foreign_keys_into(tuple(KEY_OF))
        for table, constraint, _ in into:
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")
        for spec in SPECS:
            _partition(spec)
    _key_tables()
    _fill_key_tables()
    if postgres:
        for spec in SPECS:
            _drop_legacy_uniques(spec)
        for statement in KEY_TRIGGERS:
            op.get_bind().exec_driver_sql(statement)
        _keys_fixed(postgres=True)
        for table, constraint, definition in into:
            _refer(table, *_to_key_table(table, constraint, definition))
    else:
        _sqlite_swap_uniques()
        _sqlite_refer_to_key_tables(downgrade=False)
        for statement in SQLITE_KEY_TRIGGERS:
            op.execute(statement)
        _keys_fixed(postgres=False)


def _keys_fixed(*, postgres: bool) -> None:
    if postgres:
        op.get_bind().exec_driver_sql(FIXED_FUNCTION)
        for table, columns in FIXED.items():
            op.execute(
                f"CREATE TRIGGER {table}_keys_fixed BEFORE DELETE OR UPDATE OF {columns} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION tanbi_keys_fixed()"
            )
        return
    for table, columns in FIXED.items():
        for event, trigger in ((f"UPDATE OF {columns}", "update"), ("DELETE", "delete")):
            op.execute(
                f"CREATE TRIGGER {table}_keys_fixed_{trigger} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table}: {FIXED_MESSAGE}'); END"
            )


def _partition(spec: Spec) -> None:
    """Turn ``spec.name`` into a table partitioned by month, its rows so far the ``_legacy`` partition."""
    name, legacy = spec.name, f"{spec.name}_legacy"
    op.execute(f"ALTER TABLE {name} RENAME TO {legacy}")
    op.execute(f"ALTER TABLE {legacy} RENAME CONSTRAINT pk_{name} TO pk_{legacy}")
    for index in spec.indexes:
        op.execute(f"ALTER INDEX {index} RENAME TO {index}_legacy")
    op.execute(
        f"CREATE TABLE {name} (LIKE {legacy} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (id)"
    )
    op.execute(f"ALTER TABLE {name} ADD CONSTRAINT pk_{name} PRIMARY KEY (id)")
    op.execute(f"ALTER TABLE {name} ALTER COLUMN id SET DEFAULT tanbi_month_id('{name}_id_seq')")
    op.execute(f"ALTER TABLE {legacy} ALTER COLUMN id DROP DEFAULT")
    op.execute(f"ALTER SEQUENCE {name}_id_seq OWNED BY {name}.id")
    moved = _set_aside_month_rows(legacy)
    # Proven first, without blocking writes (NOT VALID, then VALIDATE), so ATTACH need not scan under its lock.
    op.execute(f"ALTER TABLE {legacy} ADD CONSTRAINT ck_{legacy}_bound CHECK (id < {LEGACY_BOUND}) NOT VALID")
    op.execute(f"ALTER TABLE {legacy} VALIDATE CONSTRAINT ck_{legacy}_bound")
    op.execute(f"ALTER TABLE {name} ATTACH PARTITION {legacy} FOR VALUES FROM (MINVALUE) TO ({LEGACY_BOUND})")
    op.execute(f"ALTER TABLE {legacy} DROP CONSTRAINT ck_{legacy}_bound")
    # The legacy table's own foreign keys are adopted by the parent's identical ones: no re-check.
    for constraint, definition in spec.foreign_keys.items():
        op.execute(f"ALTER TABLE {name} ADD CONSTRAINT {constraint} FOREIGN KEY {definition}")
    for index, columns in {**spec.indexes, **spec.lookups}.items():
        op.execute(f"CREATE INDEX {index} ON {name} ({columns})")  # adopts the legacy index of that shape
    op.execute(f"SELECT tanbi_ensure_partitions({MONTHS_AHEAD})")
    _put_back(name, moved)


def _foreign_keys_into(tables: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(table, constraint, definition) of every foreign key into ``tables``, theirs included; not the
    copies PostgreSQL keeps on partitions."""
    rows = op.get_bind().execute(
        sa.text(
            "SELECT CAST(CAST(conrelid AS regclass) AS text), conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND CAST(CAST(confrelid AS regclass) AS text) = ANY(:tables) AND conparentid = 0 "
            "ORDER BY 1, 2"
        ),
        {"tables": list(tables)},
    )
    return [(table, constraint, definition) for table, constraint, definition in rows]


def _to_key_table(table: str, constraint: str, definition: str) -> tuple[str, str]:
    """The same foreign key pointed at the key table: ``FOREIGN KEY (lot.transfer_id) REFERENCES
    transfers(id)`` becomes ``... REFERENCES transfer_keys(transfer_id)``, named as the models name it."""
    for parent, (keys, column) in KEY_OF.items():
        if definition.endswith(f"REFERENCES {parent}(id)"):
            name = constraint.removesuffix(f"_{parent}") + f"_{keys}"
            return name, definition.replace(f"REFERENCES {parent}(id)", f"REFERENCES {keys}({column})")
    raise ValueError(f"{table}.{constraint} does not refer to a partitioned table: {definition}")


def _from_key_table(table: str, constraint: str, definition: str) -> tuple[str, str]:
    for parent, (keys, column) in KEY_OF.items():
        if definition.endswith(f"REFERENCES {keys}({column})"):
            name = constraint.removesuffix(f"_{keys}") + f"_{parent}"
            return name, definition.replace(f"REFERENCES {keys}({column})", f"REFERENCES {parent}(id)")
    raise ValueError(f"{table}.{constraint} does not refer to a key table: {definition}")


def _set_aside_month_rows(legacy: str) -> str:
    """Rows that already carry a month in their id (a database partitioned before, downgraded, upgraded
    again) do not belong in the legacy partition: kept aside until their months' partitions exist."""
    moved = f"{legacy}_moved"
    op.execute(
        f"CREATE TEMPORARY TABLE {moved} ON COMMIT DROP AS SELECT * FROM {legacy} WHERE id >= {LEGACY_BOUND}"  # noqa: S608
    )
    op.execute(f"DELETE FROM {legacy} WHERE id >= {LEGACY_BOUND}")  # noqa: S608
    return moved


def _put_back(name: str, moved: str) -> None:
    op.execute(
        f"SELECT tanbi_month_partition('{name}', timestamp '2000-01-01' + make_interval(months => month)) "  # noqa: S608
        f"FROM (SELECT DISTINCT (id >> 40)::integer AS month FROM {moved}) AS months"
    )
    op.execute(f"INSERT INTO {name} SELECT * FROM {moved}")  # noqa: S608


def _refer(table: str, constraint: str, definition: str) -> None:
    if table in {spec.name for spec in SPECS} and op.get_bind().dialect.name == "postgresql":
        # PostgreSQL 15 cannot add a NOT VALID foreign key to a partitioned table: checked as it is added.
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {constraint} {definition}")
        return
    # NOT VALID then VALIDATE: the check runs under a lock that lets writes go on.
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {constraint} {definition} NOT VALID")
    op.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {constraint}")


def _drop_legacy_uniques(spec: Spec) -> None:
    for constraint in spec.uniques:
        op.execute(f"ALTER TABLE {spec.name}_legacy DROP CONSTRAINT {constraint}")


def _key_tables() -> None:
    op.create_table(
        "transfer_keys",
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("transfer_id", ID, nullable=False),
        sa.Column("reverses_id", ID, nullable=True),
        sa.Column("hold_id", ID, nullable=True),
        sa.PrimaryKeyConstraint("idempotency_key", name=op.f("pk_transfer_keys")),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_transfer_keys_transfer_id")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_transfer_keys_reverses_id")),
        sa.UniqueConstraint("hold_id", name=op.f("uq_transfer_keys_hold_id")),
    )
    op.create_table(
        "action_keys",
        sa.Column("source_key", sa.String(200), nullable=False),
        sa.Column("action_id", ID, nullable=False),
        sa.Column("transfer_id", ID, nullable=True),
        sa.PrimaryKeyConstraint("source_key", name=op.f("pk_action_keys")),
        sa.UniqueConstraint("action_id", name=op.f("uq_action_keys_action_id")),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_action_keys_transfer_id")),
    )
    op.create_table(
        "partner_event_keys",
        sa.Column("partner_id", ID, nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        # No foreign key: ingest claims the key and stores the event in one statement, a trigger refuses an
        # event without its claim, and ledger verify finds a claim without its event (a foreign key checked
        # at commit was, measured, a planned query per event: a quarter of what accepting one cost).
        sa.Column("partner_event_id", ID, nullable=False),
        sa.PrimaryKeyConstraint("partner_id", "event_id", name=op.f("pk_partner_event_keys")),
        sa.UniqueConstraint("partner_event_id", name=op.f("uq_partner_event_keys_partner_event_id")),
    )


def _fill_key_tables() -> None:
    op.execute(
        "INSERT INTO transfer_keys (idempotency_key, transfer_id, reverses_id, hold_id) "
        "SELECT idempotency_key, id, reverses_id, hold_id FROM transfers"
    )
    op.execute(
        "INSERT INTO action_keys (source_key, action_id, transfer_id) SELECT source_key, id, transfer_id FROM actions"
    )
    op.execute(
        "INSERT INTO partner_event_keys (partner_id, event_id, partner_event_id) "
        "SELECT partner_id, event_id, id FROM partner_events"
    )


# The foreign keys into the partitioned tables (PostgreSQL finds them in its catalog; SQLite is told).
REFERRING = (
    ("actions", "transfer_id", "transfers"),
    ("charges", "transfer_id", "transfers"),
    ("donations", "transfer_id", "transfers"),
    ("idempotency_records", "transfer_id", "transfers"),
    ("lot_allocations", "transfer_id", "transfers"),
    ("lots", "transfer_id", "transfers"),
    ("transfers", "reverses_id", "transfers"),
    ("action_occupancy", "action_id", "actions"),
    ("batch_actions", "action_id", "actions"),
    ("evidence_claims", "action_id", "actions"),
    ("partner_events", "action_id", "actions"),
)


def _sqlite_refer_to_key_tables(*, downgrade: bool) -> None:
    for table, column, parent in REFERRING:
        keys, key_column = KEY_OF[parent]
        old, new = (keys, parent) if downgrade else (parent, keys)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_{column}_{old}", type_="foreignkey")
            target = key_column if new == keys else "id"
            batch_op.create_foreign_key(f"fk_{table}_{column}_{new}", new, [column], [target])


def _sqlite_swap_uniques() -> None:
    for spec in SPECS:
        with op.batch_alter_table(spec.name, schema=None) as batch_op:
            for constraint in spec.uniques:
                batch_op.drop_constraint(constraint, type_="unique")
            for index, columns in spec.lookups.items():
                batch_op.create_index(index, [c.strip() for c in columns.split(",")])


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    into_keys = _foreign_keys_into(("transfer_keys", "action_keys")) if postgres else []
    for table, constraint, _ in into_keys:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")
    for trigger, table in zip(TRIGGERS, ("transfers", "actions", "actions", "partner_events"), strict=True):
        op.execute(f"DROP TRIGGER {trigger} ON {table}" if postgres else f"DROP TRIGGER {trigger}")
    for table in FIXED:
        if postgres:
            op.execute(f"DROP TRIGGER {table}_keys_fixed ON {table}")
        else:
            op.execute(f"DROP TRIGGER {table}_keys_fixed_update")
            op.execute(f"DROP TRIGGER {table}_keys_fixed_delete")
    if postgres:
        for function in (
            "tanbi_transfer_keys",
            "tanbi_action_keys",
            "tanbi_action_keys_transfer",
            "tanbi_partner_event_keys",
            "tanbi_keys_fixed",
        ):
            op.execute(f"DROP FUNCTION {function}()")
    else:
        _sqlite_refer_to_key_tables(downgrade=True)
    for table in ("partner_event_keys", "action_keys", "transfer_keys"):
        op.drop_table(table)
    if postgres:
        for spec in reversed(SPECS):
            _flatten(spec)
        for table, constraint, definition in into_keys:
            _refer(table, *_from_key_table(table, constraint, definition))
        op.execute("DROP FUNCTION tanbi_ensure_partitions(integer)")
        op.execute("DROP FUNCTION tanbi_month_partition(text, timestamp)")
        op.execute("DROP FUNCTION tanbi_month_id(regclass)")
        op.execute("DROP FUNCTION tanbi_month_key(timestamptz)")
    else:
        for spec in reversed(SPECS):
            with op.batch_alter_table(spec.name, schema=None) as batch_op:
                for index in spec.lookups:
                    batch_op.drop_index(index)
                for constraint, columns in spec.uniques.items():
                    batch_op.create_unique_constraint(constraint, [c.strip() for c in columns.split(",")])


def _flatten(spec: Spec) -> None:
    """The partitioned table back into one plain table: every row copied (ids keep their months)."""
    name, flat = spec.name, f"{spec.name}_flat"
    op.execute(f"CREATE TABLE {flat} (LIKE {name} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    op.execute(f"INSERT INTO {flat} SELECT * FROM {name}")  # noqa: S608  # our own table names
    op.execute(f"ALTER SEQUENCE {name}_id_seq OWNED BY NONE")
    op.execute(f"DROP TABLE {name}")
    op.execute(f"ALTER TABLE {flat} RENAME TO {name}")
    op.execute(f"ALTER TABLE {name} ALTER COLUMN id SET DEFAULT nextval('{name}_id_seq')")
    op.execute(f"ALTER SEQUENCE {name}_id_seq OWNED BY {name}.id")
    op.execute(f"ALTER TABLE {name} ADD CONSTRAINT pk_{name} PRIMARY KEY (id)")
    for constraint, columns in spec.uniques.items():
        op.execute(f"ALTER TABLE {name} ADD CONSTRAINT {constraint} UNIQUE ({columns})")
    for index, columns in spec.indexes.items():
        op.execute(f"CREATE INDEX {index} ON {name} ({columns})")
    for constraint, definition in spec.foreign_keys.items():
        op.execute(f"ALTER TABLE {name} ADD CONSTRAINT {constraint} FOREIGN KEY {definition}")
