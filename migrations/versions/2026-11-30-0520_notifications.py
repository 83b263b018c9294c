"""Notifications: read marks, WeChat subscribe-message opt-ins and the messages claimed for sending.

Why (issue 15 part 4): the inbox is derived from actions, lots and vouchers on each read, so the credit path
writes nothing new; what cannot be derived is stored here. ``notification_marks`` holds what a resident has
read (and how the notice looked then). ``notification_subscriptions`` holds each opt-in to a template with
the sends it still allows and the openid, encrypted, that a send needs. ``notification_deliveries`` has one
row per (resident, notice, template), inserted before WeChat is called: the unique key is what makes a
message go out at most once, whoever runs the job and however often.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 05:20:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notification_marks",
        sa.Column("resident_id", ID, nullable=False),
        sa.Column("notification_id", sa.String(length=64), nullable=False),
        sa.Column("seen_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_notification_marks_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("resident_id", "notification_id", name=op.f("pk_notification_marks")),
    )
    op.create_table(
        "notification_subscriptions",
        sa.Column("id", ID, nullable=False),
        sa.Column("resident_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("template_id", sa.String(length=128), nullable=False),
        sa.Column("openid_sealed", sa.String(length=256), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("since", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.CheckConstraint(
            "remaining >= 0", name=op.f("ck_notification_subscriptions_remaining_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_notification_subscriptions_resident_id_residents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_subscriptions")),
        sa.UniqueConstraint(
            "resident_id", "kind", name=op.f("uq_notification_subscriptions_resident_id_kind")
        ),
    )
    op.create_table(
        "notification_deliveries",
        sa.Column("id", ID, nullable=False),
        sa.Column("resident_id", ID, nullable=False),
        sa.Column("notification_id", sa.String(length=64), nullable=False),
        sa.Column("template_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("next_try_at", TIME, nullable=False),
        sa.Column("claimed_until", TIME, nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("sent_at", TIME, nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'refused', 'failed')",
            name=op.f("ck_notification_deliveries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_notification_deliveries_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_deliveries")),
        sa.UniqueConstraint(
            "resident_id",
            "notification_id",
            "template_id",
            name=op.f("uq_notification_deliveries_resident_id_notification_id_template_id"),
        ),
    )
    op.create_index(
        "ix_notification_deliveries_status_next_try_at",
        "notification_deliveries",
        ["status", "next_try_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_notification_deliveries_status_next_try_at", table_name="notification_deliveries")
    op.drop_table("notification_deliveries")
    op.drop_table("notification_subscriptions")
    op.drop_table("notification_marks")
