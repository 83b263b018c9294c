"""The roll-up log: the credit path appends, a job folds.

Why (issue 14): each credit wrote its roll-ups (a counter row and some thirty member and participant rows) in
the crediting transaction, and those shared rows stayed locked until its commit, so credits queued behind
each other. Now a crediting transaction appends one row per accepted action to ``rollup_log`` and a job folds
the log into the roll-ups. Nothing is lost on upgrade: the roll-ups already count every earlier action.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 04:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "rollup_log",
        sa.Column("id", ID, nullable=False),
        sa.Column("resident_id", sa.BigInteger(), nullable=False),
        sa.Column("methodology_id", sa.String(length=64), nullable=False),
        sa.Column("family", sa.String(length=32), nullable=False),
        sa.Column("district", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("grams", sa.BigInteger(), nullable=False),
        sa.Column("coins", sa.BigInteger(), nullable=False),
        sa.Column("sign", sa.SmallInteger(), nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_log")),
    )


def downgrade() -> None:
    # Fold what is still waiting first (``tanbi rollup fold``): dropping the log forgets those actions.
    op.drop_table("rollup_log")
