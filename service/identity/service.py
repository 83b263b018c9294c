"""Sign-in and token rotation. Raises domain errors; knows nothing of HTTP."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.base import utcnow
from service.db.engine import Database
from service.db.reads import Batched, fetch
from service.errors import Invalid, NotFound, Unauthorized
from service.identity.models import RefreshToken, Resident
from service.identity.principal import Principal, Role
from service.identity.repository import IdentityRepository
from service.identity.tokens import TokenService, hash_token, new_refresh_token
from service.identity.wechat import WechatIdentity

PHONE = re.compile(r"^\+?[0-9]{6,15}$")


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


def normalise_phone(phone: str) -> str:
    cleaned = re.sub(r"[\s\-()]", "", phone)
    if not PHONE.match(cleaned):
        raise Invalid("phone must be 6 to 15 digits, optionally starting with +", code="invalid_phone")
    return cleaned.removeprefix("+86") if cleaned.startswith("+86") else cleaned


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256 hex: equal inputs match, but the table alone cannot be reversed by enumeration."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


class RefreshTokenReused(Unauthorized):
    """A spent refresh token came back: its family is revoked, and that revocation must be committed."""

    default_code = "refresh_token_reused"


class IdentityService:
    def __init__(self, session: AsyncSession, tokens: TokenService, hash_key: bytes) -> None:
        self.repo = IdentityRepository(session)
        self.tokens = tokens
        self.hash_key = hash_key

    async def dev_login(self, phone: str) -> tuple[Resident, TokenPair]:
        """Sign a resident in by phone alone (dev identity provider), creating them on first use."""
        now = utcnow()
        resident = await self.repo.ensure_resident_by_phone_hash(
            keyed_hash(self.hash_key, normalise_phone(phone)), now
        )
        pair = await self.issue(Principal(str(resident.id), Role.RESIDENT), now)
        return resident, pair

    async def wechat_login(self, identity: WechatIdentity) -> tuple[Resident, TokenPair]:
        """Sign the WeChat user in, creating their resident on first use; 401 ``account_deleted`` for a
        deleted resident (deletion erases the hashes, so this only guards rows that kept them)."""
        now = utcnow()
        unionid_hash = keyed_hash(self.hash_key, f"unionid:{identity.unionid}") if identity.unionid else None
        resident = await self.repo.ensure_resident_by_openid_hash(
            keyed_hash(self.hash_key, f"openid:{identity.openid}"), unionid_hash, now
        )
        if resident.deleted_at is not None:  # raising rolls back any hash attached just now
            raise Unauthorized("this account has been deleted", code="account_deleted")
        pair = await self.issue(Principal(str(resident.id), Role.RESIDENT), now)
        return resident, pair

    async def issue(self, principal: Principal, now: dt.datetime, family: str | None = None) -> TokenPair:
        refresh = new_refresh_token()
        await self.repo.add_refresh_token(
            RefreshToken(
                token_hash=hash_token(refresh),
                family=family or uuid.uuid4().hex,
                subject=principal.subject,
                role=str(principal.role),
                issued_at=now,
                expires_at=now + dt.timedelta(seconds=self.tokens.settings.refresh_ttl_seconds),
            )
        )
        return TokenPair(
            access_token=self.tokens.issue_access(principal, now),
            refresh_token=refresh,
            expires_in=self.tokens.settings.access_ttl_seconds,
        )

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Rotate: the old token is spent, a new one of the same family is issued.

        Presenting a spent token means it was copied: the whole family is revoked and the caller must
        sign in again. The caller must commit even when this raises, so the revocation sticks.
        """
        now = utcnow()
        stored = await self.repo.refresh_token(hash_token(refresh_token))
        if stored is None or stored.revoked_at is not None or stored.expires_at <= now:
            raise Unauthorized("the refresh token is not valid", code="invalid_refresh_token")
        if stored.used_at is not None or not await self.repo.spend_refresh_token(stored.id, now):
            await self.repo.revoke_family(stored.family, now)
            raise RefreshTokenReused("the refresh token was already used; sign in again")
        principal = Principal(stored.subject, Role(stored.role))
        return await self.issue(principal, now, family=stored.family)

    async def logout(self, refresh_token: str) -> None:
        stored = await self.repo.refresh_token(hash_token(refresh_token))
        if stored is not None:
            await self.repo.revoke_family(stored.family, utcnow())


async def active_resident(session: AsyncSession, resident_id: int) -> Resident:
    """The resident behind a token: 404 if there is none, 401 ``account_deleted`` once deleted (an access
    token outlives the deletion by up to its 15 minutes)."""
    resident = await session.get(Resident, resident_id)
    check_active(resident is not None, resident.deleted_at if resident is not None else None)
    assert resident is not None
    return resident


def _profile_read(keys: sa.TableValuedAlias | None = None) -> sa.Select[Any]:
    """The resident's profile columns: of ``resident_id``, or of each row of ``keys`` (numbered by ``ord``,
    service/db/reads.py's Batched)."""
    resident_id = sa.bindparam("resident_id") if keys is None else keys.c.resident_id
    first = [] if keys is None else [keys.c.ord]
    start = Resident if keys is None else keys.join(Resident, Resident.id == resident_id)
    columns = (
        Resident.id,
        Resident.display_name,
        Resident.district,
        Resident.created_at,
        Resident.deleted_at,
        Resident.pooling_consent_since,
    )
    return sa.select(*first, *columns).select_from(start).where(Resident.id == resident_id).order_by(*first)


PROFILE = Batched(
    one=_profile_read(),
    many=_profile_read(
        sa.func.unnest(sa.cast(sa.bindparam("resident_ids"), postgresql.ARRAY(sa.BigInteger)))
        .table_valued("resident_id", with_ordinality="ord")
        .render_derived(name="keys")
    ),
    params=("resident_id",),
)


async def active_profile(source: AsyncSession | Database, resident_id: int) -> Mapping[str, Any]:
    """The resident's profile columns after ``active_resident``'s checks, in one statement (a hot read),
    through a session or, outside any transaction, the database (service/db/reads.py)."""
    rows = await fetch(source, PROFILE, resident_id=resident_id)
    check_active(bool(rows), rows[0]["deleted_at"] if rows else None)
    return rows[0]


def check_active(found: bool, deleted_at: dt.datetime | None) -> None:
    """``active_resident``'s refusals, for reads that fetch the resident with their data in one statement."""
    if not found:
        raise NotFound("this token's resident does not exist", code="resident_not_found")
    if deleted_at is not None:
        raise Unauthorized("this account has been deleted", code="account_deleted")


async def active_resident_id(session: AsyncSession, principal: Principal) -> int:
    """The caller's resident id after ``active_resident``'s checks (401 ``account_deleted``, 404)."""
    return (await active_resident(session, principal.resident_id)).id
