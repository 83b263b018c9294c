"""Residents' consent to pool their reductions; the carbon registry (projects, batches, serial blocks, sales,
retirements).

Why (issue 17 parts 1-5): a city could not sell Tanbi's reductions without an auditor recounting them by
hand, nor promise a buyer that no tonne was sold twice. ``batch_actions`` is keyed by action, so an action is
in one batch ever; serial blocks, operations and retirements are append-only, enforced by triggers on both
databases (a split makes child blocks, it never edits one); a resident's consent is a column for the
current state and an append-only history.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 06:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
APPEND_ONLY = ("registry_operations", "serial_blocks", "retirements", "pooling_consents")


def upgrade() -> None:
    with op.batch_alter_table("city_users") as batch:
        batch.drop_constraint("role", type_="check")
        batch.create_check_constraint("role", "role IN ('city', 'auditor', 'verifier')")
    op.add_column("residents", sa.Column("pooling_consent_since", TIME, nullable=True))
    op.create_table(
        "pooling_consents",
        sa.Column("id", ID, primary_key=True),
        sa.Column("resident_id", ID, sa.ForeignKey("residents.id"), nullable=False),
        sa.Column("granted", sa.Boolean, nullable=False),
        sa.Column("at", TIME, nullable=False),
    )
    op.create_index("ix_pooling_consents_resident_id", "pooling_consents", ["resident_id"])
    op.create_table(
        "crediting_projects",
        sa.Column("id", ID, primary_key=True),
        sa.Column("methodology_id", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("registry_name", sa.String(200), nullable=False),
        sa.Column("buffer_share", sa.Numeric(5, 4), nullable=False),
        sa.Column("eligible_params_versions", JSON, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.CheckConstraint("buffer_share >= 0 AND buffer_share < 1", name="buffer_share_range"),
    )
    _batches()
    op.create_table(
        "batch_actions",
        sa.Column("action_id", ID, sa.ForeignKey("actions.id"), primary_key=True),
        sa.Column("batch_id", ID, sa.ForeignKey("credit_batches.id"), nullable=False),
        sa.Column("grams", sa.BigInteger, nullable=False),
        sa.Column("params_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_batch_actions_batch_id", "batch_actions", ["batch_id"])
    op.create_table(
        "registry_accounts",
        sa.Column("id", ID, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.CheckConstraint("kind IN ('city', 'buyer', 'buffer', 'retirement', 'cancellation')", name="kind"),
    )
    _operations_blocks_retirements()
    _append_only()


def _batches() -> None:
    op.create_table(
        "credit_batches",
        sa.Column("id", ID, primary_key=True),
        sa.Column("project_id", ID, sa.ForeignKey("crediting_projects.id"), nullable=False),
        sa.Column("vintage", sa.Integer, nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("actions", sa.Integer, nullable=False),
        *(
            sa.Column(name, sa.BigInteger, nullable=False)
            for name in (
                "gross_grams",
                "buffer_grams",
                "net_grams",
                "carried_in_grams",
                "carried_in_buffer_grams",
                "units",
                "buffer_units",
                "carried_grams",
                "carried_buffer_grams",
            )
        ),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("reversed_grams", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("drafted_by", sa.String(64), nullable=False),
        sa.Column("drafted_at", TIME, nullable=False),
        sa.Column("submitted_at", TIME, nullable=True),
        sa.Column("verified_by", sa.String(64), nullable=True),
        sa.Column("verified_at", TIME, nullable=True),
        sa.Column("verification", JSON, nullable=True),
        sa.Column("issued_at", TIME, nullable=True),
        sa.CheckConstraint("status IN ('draft', 'submitted', 'verified', 'issued')", name="status"),
        sa.CheckConstraint("period_end >= period_start", name="period"),
        sa.CheckConstraint("units >= 0 AND buffer_units >= 0", name="units_non_negative"),
    )
    op.create_index("ix_credit_batches_project_id_vintage", "credit_batches", ["project_id", "vintage"])


def _operations_blocks_retirements() -> None:
    op.create_table(
        "registry_operations",
        sa.Column("id", ID, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("batch_id", ID, sa.ForeignKey("credit_batches.id"), nullable=False),
        sa.Column("from_account_id", ID, sa.ForeignKey("registry_accounts.id"), nullable=True),
        sa.Column("to_account_id", ID, sa.ForeignKey("registry_accounts.id"), nullable=False),
        sa.Column("units", sa.BigInteger, nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.CheckConstraint("kind IN ('issue', 'transfer', 'retire', 'cancel')", name="kind"),
        sa.CheckConstraint("units > 0", name="units_positive"),
    )
    op.create_index("ix_registry_operations_batch_id", "registry_operations", ["batch_id"])
    op.create_table(
        "serial_blocks",
        sa.Column("id", ID, primary_key=True),
        sa.Column("batch_id", ID, sa.ForeignKey("credit_batches.id"), nullable=False),
        sa.Column("first", sa.BigInteger, nullable=False),
        sa.Column("last", sa.BigInteger, nullable=False),
        sa.Column("holder_id", ID, sa.ForeignKey("registry_accounts.id"), nullable=False),
        sa.Column("parent_id", ID, sa.ForeignKey("serial_blocks.id"), nullable=True),
        sa.Column("operation_id", ID, sa.ForeignKey("registry_operations.id"), nullable=False),
        sa.CheckConstraint("first >= 1 AND last >= first", name="range"),
        sa.UniqueConstraint("parent_id", "first"),
    )
    op.create_index("ix_serial_blocks_batch_id_first", "serial_blocks", ["batch_id", "first"])
    op.create_index("ix_serial_blocks_holder_id", "serial_blocks", ["holder_id"])
    op.create_index("ix_serial_blocks_operation_id", "serial_blocks", ["operation_id"])
    op.create_table(
        "retirements",
        sa.Column("id", ID, primary_key=True),
        sa.Column("operation_id", ID, sa.ForeignKey("registry_operations.id"), nullable=False, unique=True),
        sa.Column("block_id", ID, sa.ForeignKey("serial_blocks.id"), nullable=False, unique=True),
        sa.Column("holder_name", sa.String(200), nullable=False),
        sa.Column("beneficiary", sa.String(200), nullable=False),
        sa.Column("purpose", sa.String(500), nullable=False),
        sa.Column("units", sa.BigInteger, nullable=False),
        sa.Column("retired_at", TIME, nullable=False),
    )


def _append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION registry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION registry_append_only()"
            )
        return
    for table in APPEND_ONLY:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_append_only_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in APPEND_ONLY:
        if postgres:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        else:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_append_only_{event}")
    if postgres:
        op.execute("DROP FUNCTION registry_append_only()")
    for table in (
        "retirements",
        "serial_blocks",
        "registry_operations",
        "registry_accounts",
        "batch_actions",
        "credit_batches",
        "crediting_projects",
        "pooling_consents",
    ):
        op.drop_table(table)
    with op.batch_alter_table("residents") as batch:
        batch.drop_column("pooling_consent_since")
    with op.batch_alter_table("city_users") as batch:
        batch.drop_constraint("role", type_="check")
        batch.create_check_constraint("role", "role IN ('city', 'auditor')")
