"""The city's published grid: cells of fixed calendar periods x district x scenario, suppressed once.

Why (issue 13): answering any date range from live roll-ups let two ranges a day apart, or a month and its
days, give a suppressed cell away by difference. City reads now return cells of one fixed grid, published
whole by a job with one consistent suppression (service/city/grid.py); ranges that are not whole periods
are refused. Run ``tanbi city publish`` once after upgrading (the worker also publishes on its schedule).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 00:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "city_cells",
        sa.Column("kind", sa.String(length=1), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("district", sa.String(length=32), nullable=False),
        sa.Column("scenario", sa.String(length=80), nullable=False),
        sa.Column("grams", sa.BigInteger(), nullable=True),
        sa.Column("actions", sa.BigInteger(), nullable=True),
        sa.Column("coins", sa.BigInteger(), nullable=True),
        sa.Column("participants", sa.BigInteger(), nullable=True),
        sa.Column("suppressed", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("kind", "period", "district", "scenario", name=op.f("pk_city_cells")),
    )
    op.create_table(
        "city_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("cells", sa.Integer(), nullable=False),
        sa.Column("hidden", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_publications")),
    )


def downgrade() -> None:
    op.drop_table("city_publications")
    op.drop_table("city_cells")
