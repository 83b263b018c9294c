"""The registry's tables. Everything that changes who holds a tonne is an append-only record: serial blocks
are never updated (a split makes children; a block is current while it has none), operations are never
updated or deleted (triggers refuse it on both databases, migration 0019)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, BigIntPK, PortableJSON, utcnow
from service.db.distribution import joined

GRAMS_PER_UNIT = 1_000_000  # 1 unit = 1 tCO2e


class PoolingConsent(Base):
    """One change of a resident's consent to pool and sell their verified reductions (granted or withdrawn);
    ``residents.pooling_consent_since`` holds the current one."""

    __tablename__ = "pooling_consents"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id"), index=True)
    granted: Mapped[bool] = mapped_column(sa.Boolean)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class BatchStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    ISSUED = "issued"


class HolderKind(enum.StrEnum):
    CITY = "city"
    BUYER = "buyer"
    BUFFER = "buffer"
    RETIREMENT = "retirement"
    CANCELLATION = "cancellation"


class OperationKind(enum.StrEnum):
    ISSUE = "issue"
    TRANSFER = "transfer"
    RETIRE = "retire"
    CANCEL = "cancel"


class CreditingProject(Base):
    """The city's crediting project for one tradable methodology: where its units are registered, the share
    held back as a buffer, and which parameter versions may be pooled."""

    __tablename__ = "crediting_projects"
    __table_args__ = (
        sa.CheckConstraint("buffer_share >= 0 AND buffer_share < 1", name="buffer_share_range"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    methodology_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    registry_name: Mapped[str] = mapped_column(sa.String(200))
    buffer_share: Mapped[Decimal] = mapped_column(sa.Numeric(5, 4))
    eligible_params_versions: Mapped[list[int]] = mapped_column(PortableJSON)
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CreditBatch(Base):
    """One methodology's consented reductions of one vintage over a monitoring period, on its way to issued
    units. The numbers are fixed when it is drafted; the manifest's SHA-256 seals which actions it holds."""

    __tablename__ = "credit_batches"
    __table_args__ = (
        sa.CheckConstraint("status IN ('draft', 'submitted', 'verified', 'issued')", name="status"),
        sa.CheckConstraint("period_end >= period_start", name="period"),
        sa.CheckConstraint("units >= 0 AND buffer_units >= 0", name="units_non_negative"),
        sa.Index("ix_credit_batches_project_id_vintage", "project_id", "vintage"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("crediting_projects.id"))
    vintage: Mapped[int] = mapped_column(sa.Integer)
    period_start: Mapped[dt.date] = mapped_column(sa.Date)
    period_end: Mapped[dt.date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(16), default=BatchStatus.DRAFT)
    actions: Mapped[int] = mapped_column(sa.Integer)
    gross_grams: Mapped[int] = mapped_column(sa.BigInteger)
    buffer_grams: Mapped[int] = mapped_column(sa.BigInteger)
    net_grams: Mapped[int] = mapped_column(sa.BigInteger)
    # Remainders below a whole tonne brought in from the project and vintage's previous batch, and left over.
    carried_in_grams: Mapped[int] = mapped_column(sa.BigInteger)
    carried_in_buffer_grams: Mapped[int] = mapped_column(sa.BigInteger)
    units: Mapped[int] = mapped_column(sa.BigInteger)
    buffer_units: Mapped[int] = mapped_column(sa.BigInteger)
    carried_grams: Mapped[int] = mapped_column(sa.BigInteger)
    carried_buffer_grams: Mapped[int] = mapped_column(sa.BigInteger)
    manifest_sha256: Mapped[str] = mapped_column(sa.String(64))
    # Grams of this batch's actions reversed after issuance, and the buffer units cancelled for them.
    reversed_grams: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    drafted_by: Mapped[str] = mapped_column(sa.String(64))
    drafted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None]
    verified_by: Mapped[str | None] = mapped_column(sa.String(64))
    verified_at: Mapped[dt.datetime | None]
    # The verifier's sample: the seed, the action ids drawn, and what their replay found.
    verification: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    issued_at: Mapped[dt.datetime | None]


class BatchAction(Base):
    """An action pooled in a batch: unique by action (with its resident, which an action has one of), so no
    action is ever in two batches."""

    __tablename__ = "batch_actions"
    __table_args__ = (joined("action_id", "action_keys.action_id"),)

    action_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    resident_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_batches.id"), index=True)
    grams: Mapped[int] = mapped_column(sa.BigInteger)
    params_hash: Mapped[str] = mapped_column(sa.String(64))


class RegistryAccount(Base):
    """Who holds units: the city, a buyer (a company, public by name), the buffer; retired and cancelled
    units go to the one retirement and the one cancellation account, from which nothing moves."""

    __tablename__ = "registry_accounts"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('city', 'buyer', 'buffer', 'retirement', 'cancellation')", name="kind"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RegistryOperation(Base):
    """One movement of units, append-only: issue (to the city and the buffer), transfer (a sale records its
    price), retire, cancel (buffer units for a reversal)."""

    __tablename__ = "registry_operations"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('issue', 'transfer', 'retire', 'cancel')", name="kind"),
        sa.CheckConstraint("units > 0", name="units_positive"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_batches.id"), index=True)
    from_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("registry_accounts.id"))
    to_account_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_accounts.id"))
    units: Mapped[int] = mapped_column(sa.BigInteger)
    # A sale: price per tonne (CNY) and the exchange's reference; a retirement: beneficiary and purpose;
    # a cancellation: the reversed actions.
    details: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    actor: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SerialBlock(Base):
    """Units ``first``..``last`` of a batch, held by one account. Never updated: moving part of a block ends
    it (``parent_id`` of the new blocks) and makes the parts; a block with no children is current."""

    __tablename__ = "serial_blocks"
    __table_args__ = (
        sa.CheckConstraint("first >= 1 AND last >= first", name="range"),
        sa.Index("ix_serial_blocks_batch_id_first", "batch_id", "first"),
        # Every split's first part starts where its parent did: a block split twice (a race) cannot commit.
        sa.UniqueConstraint("parent_id", "first"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_batches.id"))
    first: Mapped[int] = mapped_column(sa.BigInteger)
    last: Mapped[int] = mapped_column(sa.BigInteger)
    holder_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_accounts.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("serial_blocks.id"))
    operation_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_operations.id"), index=True)

    @property
    def units(self) -> int:
        return self.last - self.first + 1


class Retirement(Base):
    """A retirement: irreversible; its certificate is public by any serial of the block."""

    __tablename__ = "retirements"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    operation_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_operations.id"), unique=True)
    block_id: Mapped[int] = mapped_column(sa.ForeignKey("serial_blocks.id"), unique=True)
    holder_name: Mapped[str] = mapped_column(sa.String(200))
    beneficiary: Mapped[str] = mapped_column(sa.String(200))
    purpose: Mapped[str] = mapped_column(sa.String(500))
    units: Mapped[int] = mapped_column(sa.BigInteger)
    retired_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
