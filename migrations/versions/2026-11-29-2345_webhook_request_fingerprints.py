"""A webhook delivery remembers which request it was (method, path, query and body, hashed).

Why (issue 13): the Standard Webhooks signature covers neither the method nor the path nor the query, so a
captured signed request could be replayed on another route, and a webhook-id reused with a different body
silently got the first answer. Every signed route now claims its webhook-id with the request's fingerprint:
the same request again gets the stored answer, another request with that id is refused (409), and a signed
GET is valid once. Existing deliveries (and OCPI's, keyed by CDR) have none.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 23:45:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_column("fingerprint")
