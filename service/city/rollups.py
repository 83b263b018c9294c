"""Keeping the roll-ups: credits are logged as they land, and a job folds the log into the roll-ups.

The credit path hands its accepted actions (and a reversal its reversed action, with sign -1) to
``RollupLog``, which appends one row per action to ``rollup_log`` in the crediting transaction: an insert
that locks no shared row, so concurrent credits never wait on each other for the city's sake. ``fold``
takes the log in id order and adds it to the roll-ups, deleting what it folded in the same transaction, so
every logged action is counted exactly once (``tanbi rollup verify`` counts the log as well). Folds are
serialised by one lock; the worker folds every minute, the embedded runner every
``jobs.rollup_fold_seconds``, and every publication of the city's grid folds first.

Everything is added, never recomputed, so the order in which entries are folded does not matter. Rows are
written in one order (members, then participants, then counters; each sorted by key), so a fold never waits
on another writer in a cycle.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.counting import Entry
from service.city.models import (
    ALL,
    RollupCounter,
    RollupLogEntry,
    RollupMember,
    RollupParticipants,
    family_key,
)
from service.city.periods import periods
from service.db.base import table, utcnow
from service.db.dialect import dialect_for, upsert_adding
from service.db.sql import lock_keys
from service.settings import CitySettings

Key = tuple[Any, ...]


FOLD_CHUNK = 20_000  # log rows folded per statement round: one chunk's members are upserted at once
FOLD_LOCK = "city:rollup-fold"
ENTRY_COLUMNS = (
    RollupLogEntry.resident_id,
    RollupLogEntry.methodology_id,
    RollupLogEntry.family,
    RollupLogEntry.district,
    RollupLogEntry.day,
    RollupLogEntry.grams,
    RollupLogEntry.coins,
    RollupLogEntry.sign,
)


class RollupLog:
    """The ``RollupWriter`` the credit path is handed: appends its entries to ``rollup_log``."""

    async def add(self, session: AsyncSession, entries: Sequence[Entry]) -> None:
        if not entries:
            return
        now = utcnow()
        rows = [
            {
                "resident_id": e.resident_id,
                "methodology_id": e.methodology_id,
                "family": e.family,
                "district": e.district,
                "day": e.day,
                "grams": e.grams,
                "coins": e.coins,
                "sign": e.sign,
                "logged_at": now,
            }
            for e in entries
        ]
        await dialect_for(session).insert(table(RollupLogEntry), rows)


async def fold(session: AsyncSession, city: CitySettings, *, chunks: int | None = None) -> int:
    """Fold the log into the roll-ups (all of it, or at most ``chunks`` chunks); returns how many entries.

    Holds the fold lock to the end of the caller's transaction: a second folder waits, then finds the
    entries this one folded gone."""
    await lock_keys(session, [FOLD_LOCK])
    folded, rounds = 0, 0
    while chunks is None or rounds < chunks:
        entries = await _take(session, FOLD_CHUNK)
        if not entries:
            break
        await apply(session, city, entries)
        folded, rounds = folded + len(entries), rounds + 1
    return folded


async def waiting(session: AsyncSession) -> int:
    """How many logged entries are not folded yet."""
    return int(await session.scalar(sa.select(sa.func.count()).select_from(RollupLogEntry)) or 0)


async def logged(session: AsyncSession) -> list[Entry]:
    """The entries waiting in the log (``tanbi rollup verify`` counts them as not yet in the roll-ups)."""
    rows = await session.execute(sa.select(*ENTRY_COLUMNS))
    return [Entry(*row) for row in rows]


async def _take(session: AsyncSession, limit: int) -> list[Entry]:
    t = table(RollupLogEntry)
    first = sa.select(t.c.id).order_by(t.c.id).limit(limit).scalar_subquery()
    rows = await session.execute(sa.delete(t).where(t.c.id.in_(first)).returning(*ENTRY_COLUMNS))
    return [Entry(*row) for row in rows]


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
