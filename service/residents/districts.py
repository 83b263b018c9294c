"""Where a resident lives, as the city counts it: the district they chose, else the one their latest
partner binding states, else unknown. The credit path stamps it on each action (the city's roll-ups and
grid count by it)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.dialect import one_of
from service.identity.models import Resident
from service.partners.models import Binding
from service.settings import UNKNOWN_DISTRICT


async def districts_of(session: AsyncSession, resident_ids: Iterable[int]) -> dict[int, str]:
    """Each resident's district now (one query for any number of residents)."""
    ids = sorted(set(resident_ids))
    if not ids:
        return {}
    bound = (
        sa.select(Binding.district)
        .where(
            Binding.resident_id == Resident.id,
            Binding.unbound_at.is_(None),
            Binding.district.is_not(None),
        )
        .order_by(Binding.created_at.desc(), Binding.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = await session.execute(
        sa.select(Resident.id, sa.func.coalesce(Resident.district, bound)).where(
            one_of(session, Resident.id, ids)
        )
    )
    found = {resident: district or UNKNOWN_DISTRICT for resident, district in rows}
    return {resident: found.get(resident, UNKNOWN_DISTRICT) for resident in ids}
