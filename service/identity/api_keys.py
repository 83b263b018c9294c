"""API keys of merchants (``mk_``) and city users (``ck_``), exchanged for short-lived access tokens.

Keys are made by ``service.merchants.admin`` and ``service.identity.city_users``, shown once and stored as
SHA-256; a till or a dashboard trades its key for an access token (``POST /v1/auth/api-key``) and calls
with that, so a leaked token expires within 15 minutes. A merchant's till also gets a refresh token, rotated
on each use like a resident's (a spent one coming back revokes its family), so a till stays signed in
without keeping the key at hand; rotating the merchant's key (``tanbi merchant rotate-key``) revokes every
refresh token of that merchant. City users trade their key again instead.
"""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.errors import Unauthorized
from service.identity.models import CityUser
from service.identity.principal import Principal, Role
from service.identity.tokens import TokenService, hash_token
from service.merchants.models import Merchant

MERCHANT_PREFIX, CITY_PREFIX = "mk_", "ck_"


def new_key(prefix: str) -> str:
    """``prefix`` and 256 random bits (URL-safe base64): the prefix tells the kind, not the owner."""
    return prefix + secrets.token_urlsafe(32)


async def exchange(session: AsyncSession, tokens: TokenService, api_key: str, now: dt.datetime) -> str:
    """An access token for the key's merchant or city user; 401 ``invalid_api_key`` otherwise."""
    return tokens.issue_access(await key_principal(session, api_key), now)


async def key_principal(session: AsyncSession, api_key: str) -> Principal:
    """The merchant or city user the key belongs to; 401 ``invalid_api_key`` otherwise."""
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
    return principal
