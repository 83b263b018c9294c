"""``tanbi rollup verify`` / ``rebuild``: the roll-ups recomputed from the actions they count."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.counting import Entry, entry
from service.actions.models import Action, ActionStatus
from service.city import rollups
from service.city.models import RollupCounter, RollupLogEntry, RollupMember, RollupParticipants
from service.db.sql import lock_keys
from service.settings import Settings

CHUNK = 5_000


@dataclass
class RollupReport:
    differences: list[dict[str, Any]] = field(default_factory=list)
    actions: int = 0
    waiting: int = 0  # logged entries not folded yet

    @property
    def ok(self) -> bool:
        return not self.differences


async def counted_actions(session: AsyncSession, settings: Settings) -> list[Entry]:
    """Every accepted, unreversed action as the roll-ups count it."""
    stmt = sa.select(
        Action.resident_id,
        Action.methodology_id,
        Action.family,
        Action.district,
        Action.occurred_at,
        Action.grams,
        Action.coins,
    ).where(Action.status == ActionStatus.ACCEPTED, Action.reversed_at.is_(None))
    return [entry(dict(row._mapping), settings.zone) for row in await session.execute(stmt)]


async def verify_rollups(session: AsyncSession, settings: Settings) -> RollupReport:
    """Compare the roll-ups with the actions they count, less the entries still waiting in the log."""
    entries = await counted_actions(session, settings)
    waiting = [replace(e, sign=-e.sign) for e in await rollups.logged(session)]
    counters, members = rollups._deltas([*entries, *waiting], 1)
    expected_counters = {key[:3]: tuple(v) for key, v in counters.items() if any(v)}
    expected_members = {key: v[0] for key, v in members.items()}
    expected_people: dict[tuple[Any, ...], int] = defaultdict(int)
    for key in expected_members:
        expected_people[key[:4]] += 1
    report = RollupReport(actions=len(entries), waiting=len(waiting))
    _compare(report, "counters", expected_counters, await _stored_counters(session))
    _compare(report, "members", expected_members, await _stored(session, RollupMember, "actions", 5))
    _compare(
        report,
        "participants",
        dict(expected_people),
        await _stored(session, RollupParticipants, "participants", 4),
    )
    return report


async def rebuild_rollups(session: AsyncSession, settings: Settings) -> int:
    """Empty the roll-ups and the log and count every action again; returns how many actions were counted.

    Run it with the workers stopped: an action credited meanwhile could be counted twice or not at all."""
    await lock_keys(session, [rollups.FOLD_LOCK])
    for model in (RollupCounter, RollupMember, RollupParticipants, RollupLogEntry):
        await session.execute(sa.delete(model))
    entries = await counted_actions(session, settings)
    for start in range(0, len(entries), CHUNK):
        await rollups.apply(session, settings.city, entries[start : start + CHUNK])
    return len(entries)


async def _stored_counters(session: AsyncSession) -> dict[tuple[Any, ...], tuple[int, ...]]:
    c = RollupCounter.__table__.c
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
    return {tuple(r[:3]): tuple(int(v) for v in r[3:]) for r in rows if any(r[3:])}


async def _stored(session: AsyncSession, model: type, value: str, width: int) -> dict[tuple[Any, ...], int]:
    t = model.__table__  # type: ignore[attr-defined]
    keys = list(t.primary_key.columns)[:width]
    rows = await session.execute(sa.select(*keys, sa.func.sum(t.c[value])).group_by(*keys))
    return {tuple(r[:-1]): int(r[-1]) for r in rows if r[-1]}


def _compare(report: RollupReport, table: str, expected: dict[Any, Any], found: dict[Any, Any]) -> None:
    for key in sorted(set(expected) | set(found), key=str):
        if expected.get(key) != found.get(key):
            report.differences.append(
                {
                    "table": table,
                    "key": [str(k) for k in key],
                    "expected": expected.get(key),
                    "found": found.get(key),
                }
            )
