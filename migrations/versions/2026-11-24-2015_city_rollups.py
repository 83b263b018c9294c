"""City roll-ups: counters and exact participant sets; districts on residents, bindings and actions.

Why: the city reads reductions by day/week/month, methodology and district over any range without
scanning actions (issue 6). Existing actions get district 'unknown'; run ``tanbi rollup rebuild`` once
after upgrading a database that already holds actions.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 20:15:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ("period", "methodology_id", "district")


def upgrade() -> None:
    op.create_table(
        "rollup_counters",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("methodology_id", sa.String(length=64), nullable=False),
        sa.Column("district", sa.String(length=32), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("grams", sa.BigInteger(), nullable=False),
        sa.Column("actions", sa.BigInteger(), nullable=False),
        sa.Column("coins", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "methodology_id", "district", "shard", name=op.f("pk_rollup_counters")
        ),
    )
    op.create_table(
        "rollup_members",
        sa.Column("kind", sa.String(length=1), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("methodology_id", sa.String(length=64), nullable=False),
        sa.Column("district", sa.String(length=32), nullable=False),
        sa.Column("resident_id", sa.BigInteger(), nullable=False),
        sa.Column("actions", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", *KEY, "resident_id", name=op.f("pk_rollup_members")),
    )
    op.create_table(
        "rollup_participants",
        sa.Column("kind", sa.String(length=1), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("methodology_id", sa.String(length=64), nullable=False),
        sa.Column("district", sa.String(length=32), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("participants", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", *KEY, "shard", name=op.f("pk_rollup_participants")),
    )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("district", sa.String(length=32), nullable=False, server_default="unknown")
        )
        batch_op.add_column(sa.Column("reversed_at", sa.DateTime(timezone=True), nullable=True))
    for table in ("residents", "bindings", "link_tokens"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("district", sa.String(length=32), nullable=True))
    # The summary reads the few non-wallet accounts (issuance, merchants, sinks) by kind.
    op.create_index("ix_accounts_kind", "accounts", ["kind"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_accounts_kind", table_name="accounts")
    for table in ("link_tokens", "bindings", "residents"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("district")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_column("reversed_at")
        batch_op.drop_column("district")
    op.drop_table("rollup_participants")
    op.drop_table("rollup_members")
    op.drop_table("rollup_counters")
