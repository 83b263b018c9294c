"""Actions and what keeps them honest: occupancy spans, evidence claims, cap counters, registered assets."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, BigIntPK, PortableJSON, utcnow
from service.db.distribution import joined


class ActionStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Action(Base):
    __tablename__ = "actions"
    __table_args__ = (
        sa.CheckConstraint("status IN ('accepted', 'rejected')", name="status"),
        sa.CheckConstraint("grams >= 0 AND coins >= 0 AND remainder_grams >= 0", name="amounts_non_negative"),
        sa.CheckConstraint("remainder_grams < grams_per_coin", name="remainder_below_coin"),
        sa.Index("ix_actions_resident_id_occurred_at", "resident_id", "occurred_at"),
        sa.Index("ix_actions_methodology_id_occurred_at", "methodology_id", "occurred_at"),
        sa.Index("ix_actions_history_key_occurred_at", "history_key", "occurred_at"),
        # Lookups only: uniqueness across months is action_keys' (service/db/partitions.py).
        sa.Index("ix_actions_source_key", "source_key"),
        sa.Index("ix_actions_transfer_id", "transfer_id"),
        joined("transfer_id", "transfer_keys.transfer_id"),
        {"postgresql_partition_by": "RANGE (id)"},
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id"))
    methodology_id: Mapped[str] = mapped_column(sa.String(64))
    # The plan's family the methodology belongs to (the city reads and targets by family).
    family: Mapped[str] = mapped_column(sa.String(32), server_default="unknown")
    code_version: Mapped[str] = mapped_column(sa.String(32))
    params_version: Mapped[int] = mapped_column(sa.Integer)
    params_hash: Mapped[str] = mapped_column(sa.String(64))
    # Idempotency of the credit path: one action per source key (e.g. "partner:3:event:abc"); see ActionKey.
    source_key: Mapped[str] = mapped_column(sa.String(200))
    occurred_at: Mapped[dt.datetime]
    history_key: Mapped[str | None] = mapped_column(sa.String(128))
    evidence: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    status: Mapped[str] = mapped_column(sa.String(16))
    reasons: Mapped[list[str]] = mapped_column(PortableJSON)
    # Credited grams (after caps), the coins they and the grams carried in bought, and the grams left under
    # one coin, carried to the resident's next credit (service/actions/carry.py).
    grams: Mapped[int] = mapped_column(sa.BigInteger)
    coins: Mapped[int] = mapped_column(sa.BigInteger)
    remainder_grams: Mapped[int] = mapped_column(sa.BigInteger)
    grams_per_coin: Mapped[int] = mapped_column(sa.Integer)
    # The methodology's breakdown plus the caps applied; and the facts the check was made with (replayable).
    breakdown: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    context: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    transfer_id: Mapped[int | None] = mapped_column(BigIntPK)
    # The resident's district when the action was recorded: the city's roll-ups count it there.
    district: Mapped[str] = mapped_column(sa.String(32), default="unknown", server_default="unknown")
    # When the credit was reversed (e.g. a credit CDR): the roll-ups no longer count the action.
    reversed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ActionKey(Base):
    """An action's id and credit transfer, unique across every month of the partitioned ``actions``: what
    other tables point at (a plain index lookup, not a query over the months), one action per credit
    transfer. Written by the database's triggers on ``actions``, never by the code."""

    __tablename__ = "action_keys"
    __table_args__ = (sa.UniqueConstraint("transfer_id", "resident_id"),)

    # No foreign key (migration 0022 says why): written from its action by a trigger; neither is ever deleted.
    action_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    resident_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    transfer_id: Mapped[int | None] = mapped_column(BigIntPK)


class ActionSource(Base):
    """One action per source key, across every month and every resident: the credit path's replay guard.
    Distributed by the key under Citus (migration 0025), apart from the resident's shards. Written by the
    database's trigger on ``actions``, never by the code."""

    __tablename__ = "action_sources"

    source_key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    action_id: Mapped[int] = mapped_column(BigIntPK)


class Occupancy(Base):
    """The span an accepted action occupies in a scope; the credit path refuses overlaps in one scope."""

    __tablename__ = "action_occupancy"
    __table_args__ = (sa.Index("ix_action_occupancy_scope_key_starts_at", "scope_key", "starts_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # None once the owner's erasure detached the span (service/residents/erasure.py).
    # No foreign key: it would cross co-location groups (service/db/distribution.py, migration 0023).
    action_id: Mapped[int | None] = mapped_column(BigIntPK, index=True)
    scope_key: Mapped[str] = mapped_column(sa.String(160))
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]


class EvidenceClaim(Base):
    """Physical evidence credited once, ever, whoever reports it (the key is the primary key)."""

    __tablename__ = "evidence_claims"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    # None once the owner's erasure detached the claim: the evidence stays claimed, by nobody traceable.
    # No foreign key: it would cross co-location groups (service/db/distribution.py, migration 0023).
    action_id: Mapped[int | None] = mapped_column(BigIntPK, index=True)


class CapCounter(Base):
    """How much of a cap is used in one period, in millionths of its unit (exact integer arithmetic); and a
    resident's running sub-coin carry, ``carry:r<id>``, in millionths of a gram (service/actions/carry.py)."""

    __tablename__ = "cap_counters"

    key: Mapped[str] = mapped_column(sa.String(240), primary_key=True)
    used_micro: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class AssetSource(enum.StrEnum):
    RESIDENT = "resident"  # declared by the resident
    PARTNER = "partner"  # an installer's or the grid company's record, sent by that partner


class Asset(Base):
    """A registered asset that evidence refers to (e.g. a rooftop PV system); it credits only its owner.

    A partner's record names the owner by the partner's hashed subject; ``resident_id`` is filled when
    that subject is bound (at once if it already is)."""

    __tablename__ = "assets"
    __table_args__ = (
        sa.UniqueConstraint("kind", "ref"),
        sa.Index("ix_assets_partner_id_subject_hash", "partner_id", "subject_hash"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    ref: Mapped[str] = mapped_column(sa.String(64))
    # No foreign key: it would cross co-location groups (service/db/distribution.py, migration 0023).
    resident_id: Mapped[int | None] = mapped_column(BigIntPK, index=True)
    source: Mapped[str] = mapped_column(sa.String(16), server_default=AssetSource.RESIDENT)
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id"))
    subject_hash: Mapped[str | None] = mapped_column(sa.String(64))
    attributes: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
