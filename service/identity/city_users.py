"""Operator actions on city staff: a city user (approves offers, publishes parameters) or an auditor
(read-only), each with an API key shown once and stored as SHA-256."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.models import record as audit
from service.db.base import utcnow
from service.errors import Conflict, Invalid
from service.identity.api_keys import CITY_PREFIX, new_key
from service.identity.models import CityUser
from service.identity.principal import Role
from service.identity.tokens import hash_token

CITY_ROLES = (Role.CITY, Role.AUDITOR, Role.VERIFIER)


async def add_city_user(session: AsyncSession, name: str, role: str) -> tuple[int, str]:
    """``(city user id, "ck_..." API key)``; 422 ``invalid_role`` unless ``role`` is city, auditor or
    verifier, 409 ``city_user_exists`` if the name is taken."""
    if role not in CITY_ROLES:
        raise Invalid("role must be city, auditor or verifier", code="invalid_role")
    if await session.scalar(sa.select(CityUser.id).where(CityUser.name == name)) is not None:
        raise Conflict(f"a city user named {name!r} exists", code="city_user_exists")
    key = new_key(CITY_PREFIX)
    user = CityUser(name=name, role=role, api_key_hash=hash_token(key), created_at=utcnow())
    session.add(user)
    await session.flush()
    await audit(
        session, "operator:cli", "city_user.add", f"city_user:{user.id}", {"name": name, "role": role}
    )
    return user.id, key
