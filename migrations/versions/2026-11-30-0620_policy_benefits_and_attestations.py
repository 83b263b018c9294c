"""The city's policy benefits (eligibility on offers) and residents' signed carbon-account attestations.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 06:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
