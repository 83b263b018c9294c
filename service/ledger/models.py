"""Ledger tables: accounts, transfers, holds, idempotency records, expiry lots and their allocations."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, BigIntPK, utcnow
from service.db.distribution import joined, rowid_twin


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


def shard_anchor(code: str) -> int:
    """The ``resident_id`` of an account that is no resident's (the issuance pool, merchants' tills, the
    sinks): a negative number from its code, which Citus's hash spreads over the shards. The database's
    ``tanbi_shard_anchor`` (migration 0024) computes the same."""
    return -1 - int(hashlib.sha256(code.encode()).hexdigest()[:15], 16)


def shard_of(kind: str, code: str, owner_id: int | None) -> int:
    """The ``resident_id`` of an account: a wallet's owner, any other account's anchor."""
    if kind == AccountKind.WALLET:
        assert owner_id is not None
        return owner_id
    return shard_anchor(code)


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
        sa.UniqueConstraint("code", "resident_id"),
        rowid_twin(),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    # A stable name: "wallet:42", "merchant:7", "issuance:3", "expiry", "adjustment", "project:5".
    code: Mapped[str] = mapped_column(sa.String(64))
    owner_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    # The shard's key under Citus (``shard_of``): the wallet's owner, or the code's anchor.
    resident_id: Mapped[int] = mapped_column(BigIntPK)
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
    __table_args__ = (
        sa.UniqueConstraint("transfer_id", "resident_id"),
        sa.UniqueConstraint("hold_id", "resident_id"),
        joined("transfer_id", "transfer_keys.transfer_id"),
        joined("hold_id", "holds.id"),
    )

    # Unique per resident: the request's wallet side (Citus keeps a resident's rows on one shard).
    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    resident_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    operation: Mapped[str] = mapped_column(sa.String(16))
    transfer_id: Mapped[int | None] = mapped_column(BigIntPK)
    hold_id: Mapped[int | None] = mapped_column(BigIntPK)
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
        joined("reverses_id", "transfer_keys.transfer_id"),
        joined("hold_id", "holds.id"),
        {"postgresql_partition_by": "RANGE (id)"},
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # The wallet's side (``Ledger`` sets it: the credited wallet, else the debited account; a reversal the
    # original's), whose shard holds the transfer under Citus.
    resident_id: Mapped[int] = mapped_column(BigIntPK)
    # No foreign keys to the accounts: the two sides live on two shards (migration 0024); ledger verify's
    # references_resolve and balance checks stand in.
    debit_account_id: Mapped[int] = mapped_column(BigIntPK, index=True)
    credit_account_id: Mapped[int] = mapped_column(BigIntPK, index=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    kind: Mapped[str] = mapped_column(sa.String(32))
    reference: Mapped[str | None] = mapped_column(sa.String(200))
    idempotency_key: Mapped[str] = mapped_column(sa.String(200))
    # A reversal points at what it reverses; unique (in TransferKey), so nothing is reversed twice.
    reverses_id: Mapped[int | None] = mapped_column(BigIntPK)
    hold_id: Mapped[int | None] = mapped_column(BigIntPK)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class TransferKey(Base):
    """What must be unique across every month of the partitioned ``transfers``: an idempotency key, the
    transfer a reversal reverses, the hold a transfer settles. Written by the database's trigger on
    ``transfers``, never by the code."""

    __tablename__ = "transfer_keys"
    __table_args__ = (
        sa.UniqueConstraint("transfer_id", "resident_id"),
        sa.UniqueConstraint("reverses_id", "resident_id"),
        sa.UniqueConstraint("hold_id", "resident_id"),
    )

    idempotency_key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    resident_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # No foreign key (migration 0022 says why): a trigger writes it from its transfer; neither is deleted.
    transfer_id: Mapped[int] = mapped_column(BigIntPK)
    reverses_id: Mapped[int | None] = mapped_column(BigIntPK)
    hold_id: Mapped[int | None] = mapped_column(BigIntPK)


class Hold(Base):
    """A pending transfer: coins reserved on the debit account until posted, voided, or timed out."""

    __tablename__ = "holds"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("debit_account_id <> credit_account_id", name="distinct_accounts"),
        sa.CheckConstraint(f"status IN {_in(tuple(HoldStatus))}", name="status"),
        sa.Index("ix_holds_status_expires_at", "status", "expires_at"),
        sa.UniqueConstraint("idempotency_key", "resident_id"),
        rowid_twin(),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    resident_id: Mapped[int] = mapped_column(BigIntPK)  # the wallet's side, as a transfer's
    # No foreign keys to the accounts, as a transfer's.
    debit_account_id: Mapped[int] = mapped_column(BigIntPK, index=True)
    credit_account_id: Mapped[int] = mapped_column(BigIntPK)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    kind: Mapped[str] = mapped_column(sa.String(32))
    reference: Mapped[str | None] = mapped_column(sa.String(200))
    idempotency_key: Mapped[str] = mapped_column(sa.String(200))
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
        sa.UniqueConstraint("transfer_id", "resident_id"),
        rowid_twin(),
        joined("account_id", "accounts.id"),
        joined("transfer_id", "transfer_keys.transfer_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    resident_id: Mapped[int] = mapped_column(BigIntPK)  # the wallet's
    account_id: Mapped[int] = mapped_column(BigIntPK)
    transfer_id: Mapped[int] = mapped_column(BigIntPK)
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
        joined("lot_id", "lots.id"),
        joined("transfer_id", "transfer_keys.transfer_id"),
        joined("hold_id", "holds.id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    resident_id: Mapped[int] = mapped_column(BigIntPK)  # the lot's
    lot_id: Mapped[int] = mapped_column(BigIntPK, index=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    transfer_id: Mapped[int | None] = mapped_column(BigIntPK, index=True)
    hold_id: Mapped[int | None] = mapped_column(BigIntPK, index=True)
