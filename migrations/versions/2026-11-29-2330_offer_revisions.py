"""Offers carry a revision, bumped whenever what residents agree to changes; approval names it.

Why (issue 13): a merchant changed a price from 10 to 999999 between the city's review and its approval,
and the approval went through. Now the city approves a revision, and a changed offer is refused (409
offer_changed). Existing offers start at revision 1.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 23:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_column("revision")
