"""Partners' OCPI tokens (hashed).

Why: charge-point operators send OCPI 2.2.1 CDRs authenticated by "Authorization: Token <token>", not by
Standard Webhooks signatures; the token is stored only as its SHA-256, unique so it names one partner.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 03:05:19.277734+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ocpi_token_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_partners_ocpi_token_hash"), ["ocpi_token_hash"])


def downgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_partners_ocpi_token_hash"), type_="unique")
        batch_op.drop_column("ocpi_token_hash")
