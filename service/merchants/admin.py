"""Operator actions on merchants: create one with its API key, rotate the key (each shown once, stored as
SHA-256), set the profile residents see."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.models import record as audit
from service.db.base import utcnow
from service.errors import Conflict
from service.identity.api_keys import MERCHANT_PREFIX, new_key
from service.identity.principal import Role
from service.identity.repository import IdentityRepository
from service.identity.tokens import hash_token
from service.merchants.models import Merchant
from service.merchants.profiles import merchant_by_ref


async def add_merchant(session: AsyncSession, name: str) -> tuple[int, str]:
    """``(merchant id, "mk_..." API key)``; 409 ``merchant_exists`` if the name is taken."""
    if await session.scalar(sa.select(Merchant.id).where(Merchant.name == name)) is not None:
        raise Conflict(f"a merchant named {name!r} exists", code="merchant_exists")
    key = new_key(MERCHANT_PREFIX)
    merchant = Merchant(name=name, api_key_hash=hash_token(key), created_at=utcnow())
    session.add(merchant)
    await session.flush()
    await audit(session, "operator:cli", "merchant.add", f"merchant:{merchant.id}", {"name": name})
    return merchant.id, key


async def rotate_key(session: AsyncSession, ref: str) -> tuple[int, str]:
    """``(merchant id, new "mk_..." key)`` for the merchant with id or name ``ref`` (404
    ``merchant_not_found``). The old key is refused from the commit on, and every refresh token of the
    merchant is revoked, so a till signed in with the old key must sign in with the new one; access tokens
    already issued run out within their 15 minutes."""
    merchant = await merchant_by_ref(session, ref)
    key = new_key(MERCHANT_PREFIX)
    merchant.api_key_hash = hash_token(key)
    now = utcnow()
    await IdentityRepository(session).revoke_subject(str(merchant.id), Role.MERCHANT, now)
    await session.flush()
    await audit(session, "operator:cli", "merchant.rotate_key", f"merchant:{merchant.id}", {})
    return merchant.id, key
