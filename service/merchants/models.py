"""Merchant tables: merchants, offers (with stock), vouchers, single-use pay-codes and charges."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, BigIntPK, utcnow
from service.db.distribution import joined


class OfferStatus(enum.StrEnum):
    """Where an offer's current revision stands with the city (derived from approved_at / rejected_at)."""

    PENDING = "pending"  # waiting for the city's review
    APPROVED = "approved"
    REJECTED = "rejected"  # with a reason; a revision of what needs approval makes it pending again


class MerchantCategory(enum.StrEnum):
    """What kind of shop a merchant is, for residents' filters and map icons."""

    DINING = "dining"  # 餐饮
    DRINKS = "drinks"  # 茶饮咖啡
    GROCERY = "grocery"  # 商超便利
    RETAIL = "retail"  # 零售
    SERVICES = "services"  # 生活服务
    LEISURE = "leisure"  # 文体休闲
    TRANSPORT = "transport"  # 出行
    OTHER = "other"


class VoucherStatus(enum.StrEnum):
    HELD = "held"  # coins held, stock reserved, waiting to be consumed
    CONSUMED = "consumed"
    CANCELLED = "cancelled"
    LAPSED = "lapsed"


class Merchant(Base):
    __tablename__ = "merchants"
    __table_args__ = (
        sa.CheckConstraint(
            "(latitude IS NULL AND longitude IS NULL) OR "
            "(latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180)",
            name="location_valid",
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    # SHA-256 of the merchant's API key; the key itself is shown once, at creation.
    api_key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # What residents see (GET /v1/merchants, offers): set by the merchant or the operator, all optional.
    address: Mapped[str | None] = mapped_column(sa.String(200))
    latitude: Mapped[float | None] = mapped_column(sa.Float)  # WGS 84 degrees
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    category: Mapped[str | None] = mapped_column(sa.String(32))  # a MerchantCategory
    image_url: Mapped[str | None] = mapped_column(sa.String(500))
    # The city's own merchant, whose offers are its policy benefits (service/benefits/).
    city_owned: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Offer(Base):
    __tablename__ = "offers"
    __table_args__ = (
        # Only a city's policy benefit may be free (a voucher without a coin hold).
        sa.CheckConstraint("price > 0 OR (benefit AND price = 0)", name="price_positive_unless_benefit"),
        sa.CheckConstraint(
            "benefit OR (min_level IS NULL AND min_lifetime_grams IS NULL AND family IS NULL)",
            name="rules_only_on_benefits",
        ),
        sa.CheckConstraint("stock_left >= 0 AND stock_left <= stock_total", name="stock_in_range"),
        sa.CheckConstraint("per_resident_limit >= 1", name="limit_positive"),
        sa.CheckConstraint("valid_until > valid_from", name="valid_window"),
        sa.CheckConstraint("approved_at IS NULL OR rejected_at IS NULL", name="approved_or_rejected"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(sa.ForeignKey("merchants.id"), index=True)
    # The Chinese title (API: title_zh, and title for older clients); title_en is optional.
    title: Mapped[str] = mapped_column(sa.String(120))
    title_en: Mapped[str | None] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.String(2000), default="")
    price: Mapped[int] = mapped_column(sa.BigInteger)  # coins
    stock_total: Mapped[int] = mapped_column(sa.Integer)
    # Stock not held by an outstanding voucher nor consumed: stock_total - outstanding - consumed.
    stock_left: Mapped[int] = mapped_column(sa.Integer)
    per_resident_limit: Mapped[int] = mapped_column(sa.Integer, default=1)
    valid_from: Mapped[dt.datetime]
    valid_until: Mapped[dt.datetime]
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # Bumped whenever what a resident agrees to changes (title, description, price, validity): the city
    # approves one revision, and an approval of an older one is refused.
    revision: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")
    approved_at: Mapped[dt.datetime | None]
    approved_by: Mapped[str | None] = mapped_column(sa.String(64))
    # The city's refusal of the current revision; cleared when a revision needs review again.
    rejected_at: Mapped[dt.datetime | None]
    rejected_by: Mapped[str | None] = mapped_column(sa.String(64))
    rejection_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # A policy benefit of the city (service/benefits/) and who may claim it; every rule set must hold.
    benefit: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    min_level: Mapped[int | None] = mapped_column(sa.Integer)  # service/achievements/rules.py LEVELS
    min_lifetime_grams: Mapped[int | None] = mapped_column(sa.BigInteger)
    family: Mapped[str | None] = mapped_column(sa.String(32))  # at least one credited action in it
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def status(self) -> OfferStatus:
        if self.approved_at is not None:
            return OfferStatus.APPROVED
        return OfferStatus.REJECTED if self.rejected_at is not None else OfferStatus.PENDING


class Voucher(Base):
    __tablename__ = "vouchers"
    __table_args__ = (
        sa.CheckConstraint("status IN ('held', 'consumed', 'cancelled', 'lapsed')", name="status"),
        # A free benefit's voucher holds no coins; every other voucher has its hold.
        sa.CheckConstraint("hold_id IS NOT NULL OR price = 0", name="hold_unless_free"),
        sa.Index("ix_vouchers_offer_id_resident_id", "offer_id", "resident_id"),
        sa.Index("ix_vouchers_status_expires_at", "status", "expires_at"),
        # With the resident (Citus: service/db/distribution.py); a code's 64 random bits make it unique
        # on its own, and a merchant's lookup by code alone uses this index.
        sa.UniqueConstraint("code", "resident_id"),
        sa.UniqueConstraint("hold_id", "resident_id"),
        joined("hold_id", "holds.id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offers.id"))
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id"), index=True)
    hold_id: Mapped[int | None] = mapped_column(BigIntPK)
    price: Mapped[int] = mapped_column(sa.BigInteger)
    status: Mapped[str] = mapped_column(sa.String(16), default=VoucherStatus.HELD)
    expires_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None]


class PayCode(Base):
    """A single-use code a resident shows at the till; stored as its SHA-256."""

    __tablename__ = "paycodes"

    code_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    # No foreign key: it would cross co-location groups (service/db/distribution.py, migration 0023).
    resident_id: Mapped[int] = mapped_column(BigIntPK, index=True)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Charge(Base):
    """Coins a merchant took with a pay-code; one per (merchant, idempotency key) of a resident (Citus keeps a
    resident's rows on one shard; the charge path finds an earlier charge by merchant and key alone)."""

    __tablename__ = "charges"
    __table_args__ = (
        sa.UniqueConstraint("merchant_id", "idempotency_key", "resident_id"),
        sa.UniqueConstraint("transfer_id", "resident_id"),
        joined("transfer_id", "transfer_keys.transfer_id"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.Index("ix_charges_merchant_id_created_at", "merchant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(sa.ForeignKey("merchants.id"))
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id"), index=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    idempotency_key: Mapped[str] = mapped_column(sa.String(200))
    paycode_hash: Mapped[str] = mapped_column(sa.String(64))
    transfer_id: Mapped[int] = mapped_column(BigIntPK)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
