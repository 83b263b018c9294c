"""When a partner event that hit a fault may be tried again.

Why: an event whose processing fails (a fault, not a verdict) stays ``received`` and is retried until
``partners.max_attempts``; without a time for the next attempt the sweeper re-enqueued it on every sweep.
Each fault now sets ``next_attempt_at`` with exponential backoff and the sweeper waits for it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 16:50:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("partner_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partner_events", schema=None) as batch_op:
        batch_op.drop_column("next_attempt_at")
