"""Identity SQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from service.identity.models import RefreshToken, Resident, ResidentLogin


class IdentityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def resident(self, resident_id: int) -> Resident | None:
        return await self.session.get(Resident, resident_id)

    async def resident_by_login(self, login_hash: str) -> Resident | None:
        """The resident signing in with this phone, openid or unionid hash (resident_logins)."""
        stmt = sa.select(Resident).join(ResidentLogin, ResidentLogin.resident_id == Resident.id)
        return await self.session.scalar(stmt.where(ResidentLogin.hash == login_hash))

    async def ensure_resident_by_phone_hash(self, phone_hash: str, now: dt.datetime) -> Resident:
        """The resident with this phone hash, created if new (safe when two sign-ins race)."""
        return await self._ensure(phone_hash, Resident(phone_hash=phone_hash, created_at=now))

    async def ensure_resident_by_openid_hash(
        self, openid_hash: str, unionid_hash: str | None, now: dt.datetime
    ) -> Resident:
        """The resident of this WeChat user: by unionid first (one person across the city's apps), then
        openid; created if new (safe when two first sign-ins race: the openid hash is unique)."""
        resident = await self.resident_by_login(unionid_hash) if unionid_hash else None
        if resident is None:
            resident = await self._ensure(openid_hash, Resident(openid_hash=openid_hash, created_at=now))
        if resident.openid_hash is None:
            resident.openid_hash = openid_hash
        if unionid_hash and resident.unionid_hash is None:
            resident.unionid_hash = unionid_hash
        await self.session.flush()
        return resident

    async def _ensure(self, login_hash: str, new: Resident) -> Resident:
        """The resident of ``login_hash``, else ``new`` stored. A racer storing the same login first makes
        ours fail on resident_logins' key (after waiting for its commit): then it is the racer's."""
        resident = await self.resident_by_login(login_hash)
        if resident is not None:
            return resident
        try:
            async with self.session.begin_nested():
                self.session.add(new)
                await self.session.flush()
            return new
        except IntegrityError:
            resident = await self.resident_by_login(login_hash)
            assert resident is not None
            return resident

    async def add_refresh_token(self, token: RefreshToken) -> None:
        self.session.add(token)
        await self.session.flush()

    async def refresh_token(self, token_hash: str) -> RefreshToken | None:
        return await self.session.scalar(
            sa.select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
        )

    async def spend_refresh_token(self, token_id: int, now: dt.datetime) -> bool:
        """Mark the token used, once: False when a racing request spent it first."""
        stmt = (
            sa.update(RefreshToken)
            .where(
                RefreshToken.id == token_id, RefreshToken.used_at.is_(None), RefreshToken.revoked_at.is_(None)
            )
            .values(used_at=now)
            .returning(RefreshToken.id)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def revoke_family(self, family: str, now: dt.datetime) -> None:
        await self.session.execute(
            sa.update(RefreshToken)
            .where(RefreshToken.family == family, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def revoke_subject(self, subject: str, role: str, now: dt.datetime) -> None:
        """Revoke every refresh token of one principal (a merchant whose key was rotated)."""
        await self.session.execute(
            sa.update(RefreshToken)
            .where(
                RefreshToken.subject == subject, RefreshToken.role == role, RefreshToken.revoked_at.is_(None)
            )
            .values(revoked_at=now)
        )
