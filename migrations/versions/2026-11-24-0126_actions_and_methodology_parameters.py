"""Actions, methodology parameter versions, registered assets and the audit log.

Why: the credit path (issue 3) stores every verified action with the code version, parameter version and
parameter hash it used, and the facts it was decided from, so any credit can be explained and replayed.
Overlaps, duplicate evidence and caps are enforced in the database's own rows (occupancy spans, evidence
claims keyed by their primary key, cap counters in exact integer micro-units) rather than in memory.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 01:26:38.793890+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", ID, nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=128), nullable=False),
        sa.Column(
            "details",
            JSON,
            nullable=False,
        ),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_target"), ["target"], unique=False)

    op.create_table(
        "cap_counters",
        sa.Column("key", sa.String(length=240), nullable=False),
        sa.Column("used_micro", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_cap_counters")),
    )
    op.create_table(
        "methodology_param_versions",
        sa.Column("id", ID, nullable=False),
        sa.Column("methodology_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "params",
            JSON,
            nullable=False,
        ),
        sa.Column("params_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "overrides",
            JSON,
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("effective_from", TIMESTAMP, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_methodology_param_versions_version_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_methodology_param_versions")),
        sa.UniqueConstraint(
            "methodology_id", "version", name=op.f("uq_methodology_param_versions_methodology_id_version")
        ),
    )
    op.create_table(
        "assets",
        sa.Column("id", ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("resident_id", ID, nullable=False),
        sa.Column(
            "attributes",
            JSON,
            nullable=False,
        ),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_assets_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assets")),
        sa.UniqueConstraint("kind", "ref", name=op.f("uq_assets_kind_ref")),
    )
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assets_resident_id"), ["resident_id"], unique=False)

    op.create_table(
        "actions",
        sa.Column("id", ID, nullable=False),
        sa.Column("resident_id", ID, nullable=False),
        sa.Column("methodology_id", sa.String(length=64), nullable=False),
        sa.Column("code_version", sa.String(length=32), nullable=False),
        sa.Column("params_version", sa.Integer(), nullable=False),
        sa.Column("params_hash", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", TIMESTAMP, nullable=False),
        sa.Column("history_key", sa.String(length=128), nullable=True),
        sa.Column(
            "evidence",
            JSON,
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "reasons",
            JSON,
            nullable=False,
        ),
        sa.Column("grams", sa.BigInteger(), nullable=False),
        sa.Column("coins", sa.BigInteger(), nullable=False),
        sa.Column("remainder_grams", sa.BigInteger(), nullable=False),
        sa.Column("grams_per_coin", sa.Integer(), nullable=False),
        sa.Column(
            "breakdown",
            JSON,
            nullable=False,
        ),
        sa.Column(
            "context",
            JSON,
            nullable=False,
        ),
        sa.Column("transfer_id", ID, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("status IN ('accepted', 'rejected')", name=op.f("ck_actions_status")),
        sa.CheckConstraint(
            "grams >= 0 AND coins >= 0 AND remainder_grams >= 0", name=op.f("ck_actions_amounts_non_negative")
        ),
        sa.CheckConstraint("remainder_grams < grams_per_coin", name=op.f("ck_actions_remainder_below_coin")),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_actions_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfers.id"], name=op.f("fk_actions_transfer_id_transfers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
        sa.UniqueConstraint("source_key", name=op.f("uq_actions_source_key")),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_actions_transfer_id")),
    )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_actions_history_key_occurred_at", ["history_key", "occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_actions_methodology_id_occurred_at", ["methodology_id", "occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_actions_resident_id_occurred_at", ["resident_id", "occurred_at"], unique=False
        )

    op.create_table(
        "action_occupancy",
        sa.Column("id", ID, nullable=False),
        sa.Column("action_id", ID, nullable=False),
        sa.Column("scope_key", sa.String(length=160), nullable=False),
        sa.Column("starts_at", TIMESTAMP, nullable=False),
        sa.Column("ends_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_action_occupancy_action_id_actions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_occupancy")),
    )
    with op.batch_alter_table("action_occupancy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_occupancy_action_id"), ["action_id"], unique=False)
        batch_op.create_index(
            "ix_action_occupancy_scope_key_starts_at", ["scope_key", "starts_at"], unique=False
        )

    op.create_table(
        "evidence_claims",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("action_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_evidence_claims_action_id_actions")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_evidence_claims")),
    )
    with op.batch_alter_table("evidence_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_claims_action_id"), ["action_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("evidence_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_claims_action_id"))

    op.drop_table("evidence_claims")
    with op.batch_alter_table("action_occupancy", schema=None) as batch_op:
        batch_op.drop_index("ix_action_occupancy_scope_key_starts_at")
        batch_op.drop_index(batch_op.f("ix_action_occupancy_action_id"))

    op.drop_table("action_occupancy")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index("ix_actions_resident_id_occurred_at")
        batch_op.drop_index("ix_actions_methodology_id_occurred_at")
        batch_op.drop_index("ix_actions_history_key_occurred_at")

    op.drop_table("actions")
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assets_resident_id"))

    op.drop_table("assets")
    op.drop_table("methodology_param_versions")
    op.drop_table("cap_counters")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_target"))

    op.drop_table("audit_log")
