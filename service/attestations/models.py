"""An attestation: what was disclosed to whom, until when, and whether the resident revoked it.

The signed token itself is not kept (the resident got it once); this row is what the online revocation
check reads and what the resident lists. It names no person: the token's subject is drawn at random per
attestation, so two attestations of one resident cannot be linked by a recipient.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, BigIntPK, utcnow


class Attestation(Base):
    __tablename__ = "attestations"
    __table_args__ = (
        sa.CheckConstraint("expires_at > created_at", name="expires_after_creation"),
        sa.CheckConstraint(
            "(period_from IS NULL AND period_to IS NULL) OR period_to >= period_from", name="period_valid"
        ),
        sa.Index("ix_attestations_resident_id_created_at", "resident_id", "created_at"),
        # Unique with the resident (Citus: service/db/distribution.py); the jti's 144 random bits make it
        # unique on its own, and the public check by jti alone uses this index.
        sa.UniqueConstraint("jti", "resident_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # The token's jti: random, public (the revocation check is by it), never the row id.
    jti: Mapped[str] = mapped_column(sa.String(40))
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id"))
    subject: Mapped[str] = mapped_column(sa.String(40))  # the token's random sub
    audience: Mapped[str] = mapped_column(sa.String(200))
    # What the token discloses, comma-separated, of: level, lifetime, period.
    disclosed: Mapped[str] = mapped_column(sa.String(40))
    period_from: Mapped[dt.date | None] = mapped_column(sa.Date)
    period_to: Mapped[dt.date | None] = mapped_column(sa.Date)
    kid: Mapped[str] = mapped_column(sa.String(64))  # the signing key's id
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
