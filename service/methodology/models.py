"""Parameter versions of each methodology: version 1 is the code's defaults; the city publishes others."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, BigIntPK, PortableJSON, utcnow


class ParamVersion(Base):
    __tablename__ = "methodology_param_versions"
    __table_args__ = (
        sa.UniqueConstraint("methodology_id", "version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    methodology_id: Mapped[str] = mapped_column(sa.String(64))
    version: Mapped[int] = mapped_column(sa.Integer)
    # The code version whose Params these values are for (its defaults, or overrides published on them).
    code_version: Mapped[str] = mapped_column(sa.String(32), server_default="1.0.0")
    # Every parameter's value as plain JSON (Decimals as strings, exact), and the SHA-256 of that JSON.
    params: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    params_hash: Mapped[str] = mapped_column(sa.String(64))
    overrides: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    reason: Mapped[str] = mapped_column(sa.String(500))
    effective_from: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
