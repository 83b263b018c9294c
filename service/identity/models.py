"""Residents and refresh tokens. Phone numbers are kept only as keyed hashes."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, BigIntPK, utcnow


class Resident(Base):
    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # HMAC-SHA256 of the normalised phone number under the settings' hash key (hex). Unique, like the two
    # below, through resident_logins (a trigger writes it from these columns).
    phone_hash: Mapped[str | None] = mapped_column(sa.String(64))
    display_name: Mapped[str | None] = mapped_column(sa.String(64))
    # Keyed hashes of the mini-program's WeChat openid and (when WeChat gives one) unionid.
    openid_hash: Mapped[str | None] = mapped_column(sa.String(64))
    unionid_hash: Mapped[str | None] = mapped_column(sa.String(64))
    # The district the resident gave in their profile (a code of the city's districts); optional.
    district: Mapped[str | None] = mapped_column(sa.String(32))
    # Since when the resident lets their verified reductions be pooled and sold (service/registry);
    # null: not consenting. The history of changes is in pooling_consents.
    pooling_consent_since: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Set when the resident deleted their account: personal data is gone, the id stays for the books.
    deleted_at: Mapped[dt.datetime | None]


class ResidentLogin(Base):
    """A login hash (phone, openid or unionid) and its resident: where these are unique and looked up.

    Not columns of ``residents`` with unique constraints, because under Citus ``residents`` is distributed by
    its id and a unique key must hold the distribution column (service/db/distribution.py); this table is
    distributed by the hash. Written by the database's triggers on ``residents`` (migration 0023), never by
    the code, so every writer of a resident's hashes keeps it current."""

    __tablename__ = "resident_logins"

    hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    # No foreign key: it would cross co-location groups; residents are erased in place, never deleted.
    resident_id: Mapped[int] = mapped_column(BigIntPK)


class RefreshToken(Base):
    """One opaque refresh token, stored as its SHA-256. Rotation chains tokens into a family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    family: Mapped[str] = mapped_column(sa.String(32), index=True)
    subject: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[str] = mapped_column(sa.String(16))
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class CityUser(Base):
    """A city official (role ``city``), an auditor (``auditor``) or the registry's third-party verifier
    (``verifier``), calling with an API key."""

    __tablename__ = "city_users"
    __table_args__ = (sa.CheckConstraint("role IN ('city', 'auditor', 'verifier')", name="role"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    api_key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
