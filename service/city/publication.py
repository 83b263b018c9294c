"""Publishing the city's grid: every cell worked out from the roll-ups, suppressed once, stored whole.

City reads (reductions, the summary's totals) come from the latest publication, never from the live
roll-ups, so every answer shares one suppression (service/city/grid.py) and no two answers can be
subtracted to reveal a hidden cell. A publication first folds the roll-up log (service/city/rollups.py),
so the grid counts every action credited before it. A publication replaces the previous one in one
transaction; readers see the old grid or the new one, never a mix. The worker publishes every few
minutes, the embedded runner every ``jobs.city_publish_seconds``; ``tanbi city publish`` does it at once.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.city import grid
from service.city.models import CityCell, CityPublication, RollupCounter, RollupParticipants
from service.city.rollups import fold, waiting
from service.db.base import table
from service.db.dialect import dialect_for
from service.db.sql import lock_keys
from service.settings import CitySettings

CHUNK = 5000


@dataclass(frozen=True)
class Published:
    published_at: dt.datetime
    cells: int
    hidden: int
    seconds: float
    folded: int  # logged actions folded into the roll-ups first


async def publish(
    session: AsyncSession, city: CitySettings, families: Mapping[str, str], now: dt.datetime
) -> Published:
    started = time.perf_counter()
    await lock_keys(session, ["city:publication"])  # two workers at once publish one after the other
    folded = await fold(session, city)
    k = city.k_anonymity
    cells = grid.build(await _counters(session), await _participants(session), families)
    grid.suppress(cells, grid.relations(cells, families), k)
    await session.execute(sa.delete(CityCell))
    rows = [_row(key, cell) for key, cell in sorted(cells.items())]
    for first in range(0, len(rows), CHUNK):
        await dialect_for(session).insert(table(CityCell), rows[first : first + CHUNK])
    hidden = sum(1 for cell in cells.values() if cell.suppressed)
    await session.execute(sa.delete(CityPublication))
    session.add(CityPublication(id=1, published_at=now, k=k, cells=len(cells), hidden=hidden))
    await session.flush()
    return Published(now, len(cells), hidden, time.perf_counter() - started, folded)


async def latest(session: AsyncSession) -> CityPublication | None:
    return await session.get(CityPublication, 1)


@dataclass(frozen=True)
class Freshness:
    """How far the published figures may be behind the credits (every city answer says it)."""

    published_at: dt.datetime | None
    behind_seconds: int | None  # since the publication, which counted every action credited before it
    waiting_actions: int  # credited, logged, not folded into the roll-ups yet

    def fields(self) -> dict[str, Any]:
        return {
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "behind_seconds": self.behind_seconds,
            "waiting_actions": self.waiting_actions,
        }


async def freshness(
    session: AsyncSession, publication: CityPublication | None, now: dt.datetime
) -> Freshness:
    waiting_now = await waiting(session)
    if publication is None:
        return Freshness(None, None, waiting_now)
    published_at = publication.published_at
    return Freshness(published_at, max(0, int((now - published_at).total_seconds())), waiting_now)


async def _counters(session: AsyncSession) -> list[tuple[dt.date, str, str, int, int, int]]:
    c = table(RollupCounter).c
    rows = await session.execute(
        sa.select(
            c.day,
            c.methodology_id,
            c.district,
            sa.func.sum(c.grams),
            sa.func.sum(c.actions),
            sa.func.sum(c.coins),
        ).group_by(c.day, c.methodology_id, c.district)
    )
    return [(_date(d), m, w, int(g), int(a), int(n)) for d, m, w, g, a, n in rows]


async def _participants(session: AsyncSession) -> dict[grid.Key, int]:
    t = table(RollupParticipants).c
    rows = await session.execute(
        sa.select(t.kind, t.period, t.district, t.methodology_id, sa.func.sum(t.participants)).group_by(
            t.kind, t.period, t.district, t.methodology_id
        )
    )
    return {(kind, _date(period), district, scenario): int(n) for kind, period, district, scenario, n in rows}


def _row(key: grid.Key, cell: grid.Cell) -> dict[str, Any]:
    kind, period, district, scenario = key
    shown = cell.suppressed is None
    return {
        "kind": kind,
        "period": period,
        "district": district,
        "scenario": scenario,
        "grams": cell.grams if shown else None,
        "actions": cell.actions if shown else None,
        "coins": cell.coins if shown else None,
        "participants": cell.participants if shown else None,
        "suppressed": cell.suppressed,
    }


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
