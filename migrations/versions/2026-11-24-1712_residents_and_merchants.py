"""Residents' WeChat ids and deletion; merchants, offers, vouchers, pay-codes, charges; city users.

Why: residents sign in from the mini-program with WeChat (openid / unionid kept as keyed hashes) and may
delete their account (personal data erased, the id kept so the books balance); merchants take coins with
single-use pay-codes and consume vouchers that hold coins and stock until used, cancelled or lapsed; the
city approves offers with its own API keys.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 16:39:34.747319+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "city_users",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("api_key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('city', 'auditor')", name=op.f("ck_city_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_users")),
        sa.UniqueConstraint("api_key_hash", name=op.f("uq_city_users_api_key_hash")),
        sa.UniqueConstraint("name", name=op.f("uq_city_users_name")),
    )
    op.create_table(
        "merchants",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("api_key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchants")),
        sa.UniqueConstraint("api_key_hash", name=op.f("uq_merchants_api_key_hash")),
        sa.UniqueConstraint("name", name=op.f("uq_merchants_name")),
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("stock_total", sa.Integer(), nullable=False),
        sa.Column("stock_left", sa.Integer(), nullable=False),
        sa.Column("per_resident_limit", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("per_resident_limit >= 1", name=op.f("ck_offers_limit_positive")),
        sa.CheckConstraint("price > 0", name=op.f("ck_offers_price_positive")),
        sa.CheckConstraint(
            "stock_left >= 0 AND stock_left <= stock_total", name=op.f("ck_offers_stock_in_range")
        ),
        sa.CheckConstraint("valid_until > valid_from", name=op.f("ck_offers_valid_window")),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_offers_merchant_id_merchants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
    )
    op.create_index(op.f("ix_offers_merchant_id"), "offers", ["merchant_id"], unique=False)
    op.create_table(
        "paycodes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("resident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_paycodes_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_paycodes")),
    )
    op.create_index(op.f("ix_paycodes_resident_id"), "paycodes", ["resident_id"], unique=False)
    op.create_table(
        "vouchers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("resident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hold_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('held', 'consumed', 'cancelled', 'lapsed')", name=op.f("ck_vouchers_status")
        ),
        sa.ForeignKeyConstraint(["hold_id"], ["holds.id"], name=op.f("fk_vouchers_hold_id_holds")),
        sa.ForeignKeyConstraint(["offer_id"], ["offers.id"], name=op.f("fk_vouchers_offer_id_offers")),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_vouchers_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vouchers")),
        sa.UniqueConstraint("code", name=op.f("uq_vouchers_code")),
        sa.UniqueConstraint("hold_id", name=op.f("uq_vouchers_hold_id")),
    )
    op.create_index("ix_vouchers_offer_id_resident_id", "vouchers", ["offer_id", "resident_id"], unique=False)
    op.create_index(op.f("ix_vouchers_resident_id"), "vouchers", ["resident_id"], unique=False)
    op.create_index("ix_vouchers_status_expires_at", "vouchers", ["status", "expires_at"], unique=False)
    op.create_table(
        "charges",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("resident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("paycode_hash", sa.String(length=64), nullable=False),
        sa.Column("transfer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_charges_amount_positive")),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_charges_merchant_id_merchants")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_charges_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfers.id"], name=op.f("fk_charges_transfer_id_transfers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charges")),
        sa.UniqueConstraint(
            "merchant_id", "idempotency_key", name=op.f("uq_charges_merchant_id_idempotency_key")
        ),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_charges_transfer_id")),
    )
    op.create_index(
        "ix_charges_merchant_id_created_at", "charges", ["merchant_id", "created_at"], unique=False
    )
    op.create_index(op.f("ix_charges_resident_id"), "charges", ["resident_id"], unique=False)
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("openid_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("unionid_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_residents_openid_hash"), ["openid_hash"])
        batch_op.create_unique_constraint(batch_op.f("uq_residents_unionid_hash"), ["unionid_hash"])


def downgrade() -> None:
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_residents_unionid_hash"), type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_residents_openid_hash"), type_="unique")
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("unionid_hash")
        batch_op.drop_column("openid_hash")
    op.drop_index(op.f("ix_charges_resident_id"), table_name="charges")
    op.drop_index("ix_charges_merchant_id_created_at", table_name="charges")
    op.drop_table("charges")
    op.drop_index("ix_vouchers_status_expires_at", table_name="vouchers")
    op.drop_index(op.f("ix_vouchers_resident_id"), table_name="vouchers")
    op.drop_index("ix_vouchers_offer_id_resident_id", table_name="vouchers")
    op.drop_table("vouchers")
    op.drop_index(op.f("ix_paycodes_resident_id"), table_name="paycodes")
    op.drop_table("paycodes")
    op.drop_index(op.f("ix_offers_merchant_id"), table_name="offers")
    op.drop_table("offers")
    op.drop_table("merchants")
    op.drop_table("city_users")
