"""Partner tables: partners and their secrets, webhook deliveries, the event outbox, bindings, link tokens."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, BigIntPK, PortableJSON, utcnow


class EventStatus(enum.StrEnum):
    RECEIVED = "received"
    CREDITED = "credited"
    REJECTED = "rejected"
    UNCLAIMED = "unclaimed"
    FAILED = "failed"


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    methodologies: Mapped[list[str]] = mapped_column(PortableJSON)
    # SHA-256 of the partner's OCPI token (charge-point operators send CDRs with it), if it has one.
    ocpi_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # What the operator states of the cars behind the tokens its users link to Tanbi (e.g. a private-car
    # charging card): OCPI CDRs carry no vehicle kind, so without this statement they are not eligible.
    ocpi_vehicle_kind: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PartnerSecret(Base):
    """A webhook secret, encrypted at rest. The current one has no ``valid_until``."""

    __tablename__ = "partner_secrets"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    encrypted: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    valid_until: Mapped[dt.datetime | None]


class WebhookDelivery(Base):
    """The answer given to one webhook-id, returned again when the same delivery is replayed.

    ``fingerprint`` is the SHA-256 of the signed request (method, path, query, body): the id belongs to that
    request alone. None for OCPI CDRs, which are keyed by the CDR itself."""

    __tablename__ = "webhook_deliveries"

    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    fingerprint: Mapped[str | None] = mapped_column(sa.String(64))
    status_code: Mapped[int] = mapped_column(sa.Integer)
    response: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PartnerEvent(Base):
    """One reported event: stored as ``received`` before the 202, then processed to a final status."""

    __tablename__ = "partner_events"
    __table_args__ = (
        # Lookups only: an event id is unique per partner in partner_event_keys (service/db/partitions.py).
        sa.Index("ix_partner_events_partner_id_event_id", "partner_id", "event_id"),
        sa.CheckConstraint(
            "status IN ('received', 'credited', 'rejected', 'unclaimed', 'failed')", name="status"
        ),
        sa.Index("ix_partner_events_status_received_at", "status", "received_at"),
        sa.Index("ix_partner_events_partner_id_subject_hash", "partner_id", "subject_hash"),
        {"postgresql_partition_by": "RANGE (id)"},
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"))
    event_id: Mapped[str] = mapped_column(sa.String(128))
    type: Mapped[str] = mapped_column(sa.String(64))
    subject_hash: Mapped[str] = mapped_column(sa.String(64))
    occurred_at: Mapped[dt.datetime]
    evidence: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    status: Mapped[str] = mapped_column(sa.String(16), default=EventStatus.RECEIVED)
    # No foreign key: it would cross co-location groups (service/db/distribution.py, migration 0023).
    action_id: Mapped[int | None] = mapped_column(BigIntPK)
    grams: Mapped[int | None] = mapped_column(sa.BigInteger)
    coins: Mapped[int | None] = mapped_column(sa.BigInteger)
    reasons: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    error: Mapped[str | None] = mapped_column(sa.String(500))
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    # After a fault: not retried before this time (exponential backoff); None otherwise.
    next_attempt_at: Mapped[dt.datetime | None]
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[dt.datetime | None]


class PartnerEventKey(Base):
    """A partner's event id, unique across every month of the partitioned ``partner_events``: ingest claims
    the key first (a concurrent batch's claim wins, ours is a duplicate), then stores the event under the
    id the key names; a trigger refuses an event whose key does not name it."""

    __tablename__ = "partner_event_keys"

    partner_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    # The event's id; no foreign key (migration 0022 says why): a trigger and ledger verify tie the two.
    # Not unique on its own (Citus, migration 0023): the trigger stores an event only under the key naming it.
    partner_event_id: Mapped[int] = mapped_column(BigIntPK)


class Binding(Base):
    """A partner's user (by subject hash) bound to a resident; one active binding per subject. Distributed by
    partner under Citus (migration 0025): a report looks its binding up by partner and subject."""

    __tablename__ = "bindings"
    __table_args__ = (
        sa.Index(
            "uq_bindings_active_subject",
            "partner_id",
            "subject_hash",
            unique=True,
            postgresql_where=sa.text("unbound_at IS NULL"),
            sqlite_where=sa.text("unbound_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"))
    subject_hash: Mapped[str] = mapped_column(sa.String(64))
    # No foreign key: it would cross co-location groups (service/db/distribution.py, migration 0025).
    resident_id: Mapped[int] = mapped_column(BigIntPK, index=True)
    # The district the partner knows its user in (from the link token); optional.
    district: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    unbound_at: Mapped[dt.datetime | None]


class LinkToken(Base):
    """A short-lived, single-use token a partner gives its user to bind the subject to their account."""

    __tablename__ = "link_tokens"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"))
    subject_hash: Mapped[str] = mapped_column(sa.String(64))
    district: Mapped[str | None] = mapped_column(sa.String(32))
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
