"""Partners, their encrypted secrets, webhook deliveries, the event outbox, bindings and link tokens.

Why: partner ingestion (issue 4) stores every accepted event as "received" in the same transaction that
answers the webhook (a transactional outbox), so nothing acknowledged is lost when the queue is down; the
answer per webhook-id is kept so a replayed delivery gets the same answer; one active binding per partner
subject is a partial unique index, not a code check.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 02:19:05.357279+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("methodologies", JSON, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("name", name=op.f("uq_partners_name")),
    )
    op.create_table(
        "bindings",
        sa.Column("id", ID, nullable=False),
        sa.Column("partner_id", ID, nullable=False),
        sa.Column("subject_hash", sa.String(length=64), nullable=False),
        sa.Column("resident_id", ID, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("unbound_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_bindings_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_bindings_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bindings")),
    )
    with op.batch_alter_table("bindings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bindings_resident_id"), ["resident_id"], unique=False)
        batch_op.create_index(
            "uq_bindings_active_subject",
            ["partner_id", "subject_hash"],
            unique=True,
            postgresql_where=sa.text("unbound_at IS NULL"),
            sqlite_where=sa.text("unbound_at IS NULL"),
        )

    op.create_table(
        "link_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("partner_id", ID, nullable=False),
        sa.Column("subject_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("used_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_link_tokens_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_link_tokens")),
    )
    op.create_table(
        "partner_secrets",
        sa.Column("id", ID, nullable=False),
        sa.Column("partner_id", ID, nullable=False),
        sa.Column("encrypted", sa.String(length=200), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("valid_until", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_partner_secrets_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_secrets")),
    )
    with op.batch_alter_table("partner_secrets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_secrets_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "webhook_deliveries",
        sa.Column("partner_id", ID, nullable=False),
        sa.Column("webhook_id", sa.String(length=128), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", JSON, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_webhook_deliveries_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("partner_id", "webhook_id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_table(
        "partner_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("partner_id", ID, nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("subject_hash", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", TIMESTAMP, nullable=False),
        sa.Column("evidence", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("action_id", ID, nullable=True),
        sa.Column("grams", sa.BigInteger(), nullable=True),
        sa.Column("coins", sa.BigInteger(), nullable=True),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("processed_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint(
            "status IN ('received', 'credited', 'rejected', 'unclaimed', 'failed')",
            name=op.f("ck_partner_events_status"),
        ),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_partner_events_action_id_actions")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_partner_events_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_events")),
        sa.UniqueConstraint("partner_id", "event_id", name=op.f("uq_partner_events_partner_id_event_id")),
    )
    with op.batch_alter_table("partner_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_partner_events_partner_id_subject_hash", ["partner_id", "subject_hash"], unique=False
        )
        batch_op.create_index("ix_partner_events_status_received_at", ["status", "received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("partner_events", schema=None) as batch_op:
        batch_op.drop_index("ix_partner_events_status_received_at")
        batch_op.drop_index("ix_partner_events_partner_id_subject_hash")

    op.drop_table("partner_events")
    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("partner_secrets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_secrets_partner_id"))

    op.drop_table("partner_secrets")
    op.drop_table("link_tokens")
    with op.batch_alter_table("bindings", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_bindings_active_subject",
            postgresql_where=sa.text("unbound_at IS NULL"),
            sqlite_where=sa.text("unbound_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_bindings_resident_id"))

    op.drop_table("bindings")
    op.drop_table("partners")
