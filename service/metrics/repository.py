"""The queries behind the database-backed series: a handful of counts, cheap on the indexes that exist."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.city.models import CityPublication
from service.city.rollups import waiting
from service.partners.models import EventStatus, PartnerEvent


async def events_by_status(session: AsyncSession) -> dict[tuple[str, str], int]:
    """(methodology, status) -> partner events; a partner event's ``type`` is its methodology's id."""
    rows = await session.execute(
        sa.select(PartnerEvent.type, PartnerEvent.status, sa.func.count()).group_by(
            PartnerEvent.type, PartnerEvent.status
        )
    )
    return {(methodology, status): int(count) for methodology, status, count in rows}


async def oldest_received_at(session: AsyncSession) -> dt.datetime | None:
    """When the oldest event still ``received`` arrived (ix_partner_events_status_received_at)."""
    return await session.scalar(
        sa.select(sa.func.min(PartnerEvent.received_at)).where(PartnerEvent.status == EventStatus.RECEIVED)
    )


async def rollup_waiting(session: AsyncSession) -> int:
    """Credited actions logged for the city and not folded into the roll-ups yet."""
    return await waiting(session)


async def published_at(session: AsyncSession) -> dt.datetime | None:
    """When the city's grid was last published (None: never)."""
    return await session.scalar(sa.select(CityPublication.published_at).where(CityPublication.id == 1))
