"""Audit log rows: append-only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, BigIntPK, PortableJSON, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    actor: Mapped[str] = mapped_column(sa.String(64))  # "city:3", "operator:cli"
    action: Mapped[str] = mapped_column(sa.String(64))  # "methodology.params.publish"
    target: Mapped[str] = mapped_column(sa.String(128), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


async def record(session, actor: str, action: str, target: str, details: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    session.add(AuditEntry(actor=actor, action=action, target=target, details=details, created_at=utcnow()))
    await session.flush()
