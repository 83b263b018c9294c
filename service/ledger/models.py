"""Ledger tables: accounts, transfers, holds, idempotency records, expiry lots and their allocations."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, BigIntPK, utcnow


class AccountKind(enum.StrEnum):
    ISSUANCE = "issuance"
    WALLET = "wallet"
    MERCHANT = "merchant"
    EXPIRY = "expiry"
    ADJUSTMENT = "adjustment"
    # A public-welfare project's coins (service/donations): only ever credited; the ledger refuses any
    # transfer or hold out of it, so donated coins never come back.
    PROJECT = "project"


# Accounts whose balance may never go below zero (everything else is a source or a sink).
GUARDED_KINDS = (AccountKind.WALLET, AccountKind.MERCHANT, AccountKind.PROJECT)


class HoldStatus(enum.StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {_in(tuple(AccountKind))}", name="kind"),
        sa.CheckConstraint("held >= 0", name="held_non_negative"),
        sa.CheckConstraint(
            f"kind NOT IN {_in(tuple(GUARDED_KINDS))} OR balance - held >= 0", name="balance_non_negative"
        ),
        # The city's summary reads the few non-wallet accounts (issuance, merchants, sinks) by kind.
        sa.Index("ix_accounts_kind", "kind"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    # A stable name: "wallet:42", "merchant:7", "issuance:3", "expiry", "adjustment", "project:5".
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    owner_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    # Posted balance: sum of credits minus sum of debits. Held coins are still in it, not spendable.
    balance: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    held: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def available(self) -> int:
        return self.balance - self.held


class IdempotencyRecord(Base):
    """What a key was first used for; a replay with the same fingerprint gets the same result back."""

    __tablename__ = "idempotency_records"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    operation: Mapped[str] = mapped_column(sa.String(16))
    transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfer_keys.transfer_id"), unique=True)
    hold_id: Mapped[int | None] = mapped_column(sa.ForeignKey("holds.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Transfer(Base):
    """One posted movement of ``amount`` coins from ``debit_account`` to ``credit_account``. Never updated."""

    __tablename__ = "transfers"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("debit_account_id <> credit_account_id", name="distinct_accounts"),
        # Lookups only: uniqueness across months is transfer_keys' (service/db/partitions.py).
        sa.Index("ix_transfers_idempotency_key", "idempotency_key"),
        sa.Index("ix_transfers_reverses_id", "reverses_id"),
        sa.Index("ix_transfers_hold_id", "hold_id"),
        {"postgresql_partition_by": "RANGE (id)"},
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    debit_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    credit_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    kind: Mapped[str] = mapped_column(sa.String(32))
    reference: Mapped[str | None] = mapped_column(sa.String(200))
    idempotency_key: Mapped[str] = mapped_column(sa.String(200))
    # A reversal points at what it reverses; unique (in TransferKey), so nothing is reversed twice.
    reverses_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfer_keys.transfer_id"))
    hold_id: Mapped[int | None] = mapped_column(sa.ForeignKey("holds.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class TransferKey(Base):
    """What must be unique across every month of the partitioned ``transfers``: an idempotency key, the
    transfer a reversal reverses, the hold a transfer settles. Written by the database's trigger on
    ``transfers``, never by the code."""

    __tablename__ = "transfer_keys"

    idempotency_key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    # No foreign key (migration 0022 says why): a trigger writes it from its transfer; neither is deleted.
    transfer_id: Mapped[int] = mapped_column(BigIntPK, unique=True)
    reverses_id: Mapped[int | None] = mapped_column(BigIntPK, unique=True)
    hold_id: Mapped[int | None] = mapped_column(BigIntPK, unique=True)


class Hold(Base):
    """A pending transfer: coins reserved on the debit account until posted, voided, or timed out."""

    __tablename__ = "holds"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("debit_account_id <> credit_account_id", name="distinct_accounts"),
        sa.CheckConstraint(f"status IN {_in(tuple(HoldStatus))}", name="status"),
        sa.Index("ix_holds_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    debit_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    credit_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    kind: Mapped[str] = mapped_column(sa.String(32))
    reference: Mapped[str | None] = mapped_column(sa.String(200))
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=HoldStatus.PENDING)
    expires_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None]


class Lot(Base):
    """Coins credited to a wallet together, expiring together. ``held`` of ``remaining`` is reserved."""

    __tablename__ = "lots"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint(
            "held >= 0 AND held <= remaining AND remaining <= amount", name="remaining_in_range"
        ),
        sa.Index("ix_lots_account_id_expires_at", "account_id", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    transfer_id: Mapped[int] = mapped_column(sa.ForeignKey("transfer_keys.transfer_id"), unique=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    remaining: Mapped[int] = mapped_column(sa.BigInteger)
    held: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LotAllocation(Base):
    """How much of a lot a debit took (``transfer_id``), or a pending hold reserves (``hold_id`` only)."""

    __tablename__ = "lot_allocations"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("transfer_id IS NOT NULL OR hold_id IS NOT NULL", name="has_owner"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id"), index=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfer_keys.transfer_id"), index=True)
    hold_id: Mapped[int | None] = mapped_column(sa.ForeignKey("holds.id"), index=True)
