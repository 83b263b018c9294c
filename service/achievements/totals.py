"""A resident's counted grams, summed by the database: lifetime, per family, and over local dates.

Counted as everywhere in achievements: accepted actions whose credit was not reversed, each on its local
date in the city's zone. Policy benefits (eligibility) and attestations read these instead of loading every
action, since they need sums only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.models import Action, ActionStatus


@dataclass(frozen=True)
class Totals:
    """Lifetime grams CO2e and the number of counted actions in each family."""

    grams: int = 0
    actions_by_family: dict[str, int] = field(default_factory=dict)


def _counted(resident_id: int) -> sa.ColumnElement[bool]:
    return sa.and_(
        Action.resident_id == resident_id,
        Action.status == ActionStatus.ACCEPTED,
        Action.reversed_at.is_(None),
    )


async def totals(session: AsyncSession, resident_id: int) -> Totals:
    rows = await session.execute(
        sa.select(Action.family, sa.func.sum(Action.grams), sa.func.count())
        .where(_counted(resident_id))
        .group_by(Action.family)
    )
    by_family = {family: (int(grams or 0), int(count)) for family, grams, count in rows}
    return Totals(
        grams=sum(grams for grams, _ in by_family.values()),
        actions_by_family={family: count for family, (_, count) in by_family.items()},
    )


async def grams_between(
    session: AsyncSession, resident_id: int, first: dt.date, last: dt.date, zone: ZoneInfo
) -> int:
    """Counted grams of actions on the local dates ``first`` to ``last``, both included."""
    start = dt.datetime(first.year, first.month, first.day, tzinfo=zone)
    after = last + dt.timedelta(days=1)
    end = dt.datetime(after.year, after.month, after.day, tzinfo=zone)
    grams = await session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Action.grams), 0)).where(
            _counted(resident_id), Action.occurred_at >= start, Action.occurred_at < end
        )
    )
    return int(grams or 0)
