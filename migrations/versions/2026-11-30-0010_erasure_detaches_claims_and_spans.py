"""Evidence claims and occupancy spans may outlive the link to their action.

Why (issue 13): a resident's erasure must not leave a path from a hashed plate or invoice (a claim key) or a
meter period (a span) to the erased history. The guards stay, so the same invoice or period is still refused,
but their action is forgotten (NULL); readers see action 0.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 00:10:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("evidence_claims", "action_occupancy")
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("action_id", existing_type=ID, nullable=True)


def downgrade() -> None:
    for table in TABLES:
        op.execute(sa.table(table, sa.column("action_id")).delete().where(sa.column("action_id").is_(None)))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("action_id", existing_type=ID, nullable=False)
