"""API keys of merchants (``mk_``) and city users (``ck_``), exchanged for short-lived access tokens.

Keys are shown once at creation and stored as SHA-256; a till or a dashboard trades its key for an access
token (``POST /v1/auth/api-key``) and calls with that, so a leaked token expires within 15 minutes.
"""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.models import record as audit
from service.errors import Conflict, Invalid, Unauthorized
from service.identity.models import CityUser
from service.identity.principal import Principal, Role
from service.identity.tokens import TokenService, hash_token
from service.merchants.models import Merchant

MERCHANT_PREFIX, CITY_PREFIX = "mk_", "ck_"
CITY_ROLES = (Role.CITY, Role.AUDITOR)


def new_key(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


async def add_merchant(session: AsyncSession, name: str, now: dt.datetime) -> tuple[int, str]:
    if await session.scalar(sa.select(Merchant.id).where(Merchant.name == name)) is not None:
        raise Conflict(f"a merchant named {name!r} exists", code="merchant_exists")
    key = new_key(MERCHANT_PREFIX)
    merchant = Merchant(name=name, api_key_hash=hash_token(key), created_at=now)
    session.add(merchant)
    await session.flush()
    await audit(session, "operator:cli", "merchant.add", f"merchant:{merchant.id}", {"name": name})
    return merchant.id, key


async def add_city_user(session: AsyncSession, name: str, role: str, now: dt.datetime) -> tuple[int, str]:
    if role not in CITY_ROLES:
        raise Invalid("role must be city or auditor", code="invalid_role")
    if await session.scalar(sa.select(CityUser.id).where(CityUser.name == name)) is not None:
        raise Conflict(f"a city user named {name!r} exists", code="city_user_exists")
    key = new_key(CITY_PREFIX)
    user = CityUser(name=name, role=role, api_key_hash=hash_token(key), created_at=now)
    session.add(user)
    await session.flush()
    await audit(
        session, "operator:cli", "city_user.add", f"city_user:{user.id}", {"name": name, "role": role}
    )
    return user.id, key


async def exchange(session: AsyncSession, tokens: TokenService, api_key: str, now: dt.datetime) -> str:
    """An access token for the key's merchant or city user; 401 ``invalid_api_key`` otherwise."""
    digest = hash_token(api_key)
    principal: Principal | None = None
    if api_key.startswith(MERCHANT_PREFIX):
        merchant_id = await session.scalar(sa.select(Merchant.id).where(Merchant.api_key_hash == digest))
        principal = Principal(str(merchant_id), Role.MERCHANT) if merchant_id is not None else None
    elif api_key.startswith(CITY_PREFIX):
        row = (
            await session.execute(
                sa.select(CityUser.id, CityUser.role).where(CityUser.api_key_hash == digest)
            )
        ).first()
        principal = Principal(str(row[0]), Role(row[1])) if row is not None else None
    if principal is None:
        raise Unauthorized("this API key is not valid", code="invalid_api_key")
    return tokens.issue_access(principal, now)
