"""Keeping the roll-ups as credits land and as credits are reversed.

Both credit paths (one action at a time, and the batch path) hand their accepted actions here in the
same transaction that credits them; a reversal hands the reversed action with sign -1. Everything is
added, never recomputed, so concurrent writers commute. Rows are written in one order (members, then
participants, then counters; each sorted by key), so concurrent transactions never wait on each other in
a cycle, and the hot counter rows are locked last, just before the commit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.city.models import ALL, RollupCounter, RollupMember, RollupParticipants, family_key
from service.city.periods import periods
from service.db.bulk import upsert_adding
from service.settings import CitySettings, Settings

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Entry:
    """One accepted action as the roll-ups count it (``sign`` -1 takes it back out)."""

    resident_id: int
    methodology_id: str
    family: str
    district: str
    day: dt.date
    grams: int
    coins: int
    sign: int = 1


def entry(row: Any, zone: ZoneInfo, sign: int = 1) -> Entry:
    """The entry of an action (an ``Action`` or a row dict with the same names)."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return Entry(
        resident_id=get("resident_id"),
        methodology_id=get("methodology_id"),
        family=get("family"),
        district=get("district"),
        day=get("occurred_at").astimezone(zone).date(),
        grams=get("grams"),
        coins=get("coins"),
        sign=sign,
    )


async def take_back(session: AsyncSession, settings: Settings, action: Any, at: dt.datetime) -> None:
    """Uncount an accepted action whose credit was reversed, and mark it reversed (once: a replayed
    reversal finds it marked)."""
    if action.reversed_at is not None:
        return
    action.reversed_at = at
    await apply(session, settings.city, [entry(action, settings.zone, sign=-1)])


async def apply(session: AsyncSession, city: CitySettings, entries: Sequence[Entry]) -> None:
    if not entries:
        return
    counters, members = _deltas(entries, city.rollup_shards)
    after = await _upsert(session, RollupMember, members, ("actions",))
    participants: dict[Key, list[int]] = defaultdict(lambda: [0])
    for key, (count,) in after.items():
        change = _transition(count - members[key][0], count)
        if change:
            kind, period, methodology, district, resident = key
            participants[(kind, period, methodology, district, resident % city.rollup_shards)][0] += change
    await _upsert(
        session, RollupParticipants, {k: v for k, v in participants.items() if v[0]}, ("participants",)
    )
    await _upsert(session, RollupCounter, counters, ("grams", "actions", "coins"))


def _deltas(entries: Iterable[Entry], shards: int) -> tuple[dict[Key, list[int]], dict[Key, list[int]]]:
    counters: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0])
    members: dict[Key, list[int]] = defaultdict(lambda: [0])
    for e in entries:
        counter = counters[(e.day, e.methodology_id, e.district, e.resident_id % shards)]
        counter[0] += e.sign * e.grams
        counter[1] += e.sign
        counter[2] += e.sign * e.coins
        for kind, period in periods(e.day).items():
            for methodology in (e.methodology_id, family_key(e.family), ALL):
                for district in (e.district, ALL):
                    members[(kind, period, methodology, district, e.resident_id)][0] += e.sign
    return dict(counters), {k: v for k, v in members.items() if v[0]}


def _transition(before: int, after: int) -> int:
    """+1 when a member starts counting, -1 when it stops, 0 otherwise."""
    return (after > 0) - (before > 0)


async def _upsert(
    session: AsyncSession, model: type, deltas: dict[Key, list[int]], added: tuple[str, ...]
) -> dict[Key, tuple[int, ...]]:
    """Add ``deltas`` (key -> amounts of ``added``) to ``model``'s rows; returns each key's new amounts."""
    if not deltas:
        return {}
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    key_names = [c.name for c in table.primary_key.columns]
    rows = [dict(zip(key_names + list(added), (*key, *deltas[key]), strict=True)) for key in sorted(deltas)]
    result = await upsert_adding(session, table, rows, added)
    width = len(key_names)
    return {tuple(r[:width]): tuple(r[width:]) for r in result}
