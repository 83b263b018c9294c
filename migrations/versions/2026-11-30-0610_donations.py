"""Public-welfare projects and residents' donations of coins.

Why (issue 17 part 7): residents could only spend coins at merchants. The city now lists public-welfare
projects (tree planting, mangroves, a school's solar roof) and residents donate coins to them, each gift a
ledger transfer from the wallet to the project's own account and a certificate with a serial number.

- ``accounts.kind`` gains ``project``; a project account is guarded like a wallet (never below zero), and
  the ledger refuses any transfer or hold out of it, so donated coins never come back.
- ``welfare_projects``: names and descriptions in Chinese and English, a kind, a goal in coins, an active
  flag and the project's ledger account (its balance is the coins raised).
- ``donations``: who gave how many coins to which project, by which transfer; the parts of the
  certificate's serial (city code, year; the id is the sequence), the donor name the resident chose for the
  certificate (erased with the account) and the client's Idempotency-Key (unique per resident).

SQLite cannot alter a CHECK constraint: batch mode rebuilds ``accounts``, which other tables reference, so
it runs with foreign keys off (migrations/env.py) and checks every reference afterwards.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 06:10:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)
KINDS_BEFORE = ("issuance", "wallet", "merchant", "expiry", "adjustment")
GUARDED_BEFORE = ("wallet", "merchant")
PROJECT_KINDS = ("tree_planting", "mangrove", "school_solar", "wetland", "other")


def _in(values: Sequence[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _account_checks(kinds: Sequence[str], guarded: Sequence[str]) -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_accounts_kind"), type_="check")
        batch_op.drop_constraint(op.f("ck_accounts_balance_non_negative"), type_="check")
        batch_op.create_check_constraint(op.f("ck_accounts_kind"), f"kind IN {_in(kinds)}")
        batch_op.create_check_constraint(
            op.f("ck_accounts_balance_non_negative"), f"kind NOT IN {_in(guarded)} OR balance - held >= 0"
        )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # The rebuild ran with foreign keys off (migrations/env.py): prove every reference still holds.
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by rebuilding accounts: {broken[:5]}")


def upgrade() -> None:
    _account_checks((*KINDS_BEFORE, "project"), (*GUARDED_BEFORE, "project"))
    op.create_table(
        "welfare_projects",
        sa.Column("id", ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("description_zh", sa.String(length=2000), nullable=False),
        sa.Column("description_en", sa.String(length=2000), nullable=False),
        sa.Column("goal_coins", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("account_id", ID, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.CheckConstraint(f"kind IN {_in(PROJECT_KINDS)}", name=op.f("ck_welfare_projects_kind")),
        sa.CheckConstraint("goal_coins > 0", name=op.f("ck_welfare_projects_goal_positive")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_welfare_projects_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_welfare_projects")),
        sa.UniqueConstraint("account_id", name=op.f("uq_welfare_projects_account_id")),
    )
    op.create_table(
        "donations",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("resident_id", ID, nullable=False),
        sa.Column("transfer_id", ID, nullable=False),
        sa.Column("coins", sa.BigInteger(), nullable=False),
        sa.Column("donor_name", sa.String(length=32), nullable=True),
        sa.Column("client_key", sa.String(length=128), nullable=True),
        sa.Column("city_code", sa.String(length=8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.CheckConstraint("coins > 0", name=op.f("ck_donations_coins_positive")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["welfare_projects.id"], name=op.f("fk_donations_project_id_welfare_projects")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_donations_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfers.id"], name=op.f("fk_donations_transfer_id_transfers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_donations")),
        sa.UniqueConstraint("resident_id", "client_key", name=op.f("uq_donations_resident_id_client_key")),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_donations_transfer_id")),
    )
    op.create_index(
        "ix_donations_project_id_resident_id", "donations", ["project_id", "resident_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_donations_project_id_resident_id", table_name="donations")
    op.drop_table("donations")
    op.drop_table("welfare_projects")
    # Project accounts (and their transfers) must go before the old checks can hold again: a downgrade
    # of a database with donations is refused by the constraint, not silently rewritten.
    _account_checks(KINDS_BEFORE, GUARDED_BEFORE)
