"""Parameter-version SQL."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.sql import insert_ignoring_conflict
from service.methodology.models import ParamVersion


class ParamRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert_if_absent(self, row: dict[str, object]) -> bool:
        """Insert ``row`` unless its (methodology, version) exists (a concurrent process shipped it)."""
        stmt = insert_ignoring_conflict(self.session, ParamVersion.__table__, ["methodology_id", "version"])
        result = await self.session.execute(stmt.values(**row))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def get(self, methodology_id: str, version: int) -> ParamVersion | None:
        stmt = sa.select(ParamVersion).where(
            ParamVersion.methodology_id == methodology_id, ParamVersion.version == version
        )
        return await self.session.scalar(stmt)

    async def all(self, methodology_id: str) -> Sequence[ParamVersion]:
        stmt = (
            sa.select(ParamVersion)
            .where(ParamVersion.methodology_id == methodology_id)
            .order_by(ParamVersion.version)
        )
        return (await self.session.scalars(stmt)).all()

    async def latest_version(self, methodology_id: str) -> int:
        stmt = sa.select(sa.func.max(ParamVersion.version)).where(
            ParamVersion.methodology_id == methodology_id
        )
        return (await self.session.scalar(stmt)) or 0

    async def add(self, row: ParamVersion) -> None:
        self.session.add(row)
        await self.session.flush()
