"""What notifications store: read marks, subscribe-message opt-ins and one row per message sent.

The notices themselves are not stored (service/notifications/inbox.py derives them); these tables hold
only what cannot be derived: what the resident has read, what they agreed to receive on WeChat, and which
messages were claimed for sending.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, BigIntPK, PortableJSON, utcnow

# The mark that stands for "everything up to this time" (POST .../read {"up_to": ...}).
ALL_UP_TO = "*"


class NotificationMark(Base):
    """A notice the resident read, as it was when read: it is unread again once it changes after
    ``seen_at`` (a day's credits grow). The ``*`` row marks every notice up to ``seen_at`` read."""

    __tablename__ = "notification_marks"

    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id"), primary_key=True)
    notification_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    seen_at: Mapped[dt.datetime]


class SubscribeKind(enum.StrEnum):
    CREDITS = "credits"
    REJECTION = "rejection"
    EXPIRING = "expiring"
    VOUCHER_LAPSING = "voucher_lapsing"


class Subscription(Base):
    """A resident's opt-in to one template: each ``wx.requestSubscribeMessage`` acceptance allows one send
    (one-time subscriptions), so ``remaining`` counts the sends still allowed.

    ``openid_sealed`` is the openid WeChat gave for the opt-in's ``wx.login`` code, encrypted with the
    secrets key (AES-GCM): sending needs the openid, and sign-in stores only its keyed hash."""

    __tablename__ = "notification_subscriptions"
    __table_args__ = (
        sa.UniqueConstraint("resident_id", "kind"),
        sa.CheckConstraint("remaining >= 0", name="remaining_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    template_id: Mapped[str] = mapped_column(sa.String(128))
    openid_sealed: Mapped[str] = mapped_column(sa.String(256))
    remaining: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Only notices from this time on are sent: an opt-in is not a request for the past.
    since: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its (next) try
    SENT = "sent"
    REFUSED = "refused"  # WeChat refused for good (43101: the user has no subscription left)
    FAILED = "failed"  # given up after max_tries


class Delivery(Base):
    """One subscribe message: unique per (resident, notice, template), inserted before anything is sent,
    so no notice is ever sent twice; a try is claimed by a guarded update before WeChat is called."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("resident_id", "notification_id", "template_id"),
        sa.CheckConstraint("status IN ('pending', 'sent', 'refused', 'failed')", name="status"),
        sa.Index("ix_notification_deliveries_status_next_try_at", "status", "next_try_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id"))
    notification_id: Mapped[str] = mapped_column(sa.String(64))
    template_id: Mapped[str] = mapped_column(sa.String(128))
    kind: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(16), default=DeliveryStatus.PENDING)
    tries: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_try_at: Mapped[dt.datetime]
    # A try in flight: nobody else tries before this time (then the claimer is presumed dead).
    claimed_until: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(200))
    # The template's data as rendered when the send was planned (WeChat's {"thing1": {"value": ...}}).
    data: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
