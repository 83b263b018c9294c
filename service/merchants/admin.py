"""Operator actions on merchants: create one with its API key (shown once, stored as SHA-256)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.models import record as audit
from service.db.base import utcnow
from service.errors import Conflict
from service.identity.api_keys import MERCHANT_PREFIX, new_key
from service.identity.tokens import hash_token
from service.merchants.models import Merchant


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
