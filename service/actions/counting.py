"""What the credit path tells the city's roll-ups, and the writer it is handed to tell it with.

The credit path counts each accepted action once, and a reversal takes it back out, through the
``RollupWriter`` its caller hands it. How the counts are kept is the city's business
(service/city/rollups.py appends them to a log that a job folds); the credit path does not import it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from service.registry.operations import on_reversal


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


class RollupWriter(Protocol):
    async def add(self, session: AsyncSession, entries: Sequence[Entry]) -> None:
        """Count ``entries`` in ``session``'s transaction: they count if and only if it commits."""
        ...


async def take_back(
    session: AsyncSession, writer: RollupWriter, zone: ZoneInfo, action: Any, at: dt.datetime
) -> None:
    """Uncount an accepted action whose credit was reversed, and mark it reversed (once: a replayed
    reversal finds it marked)."""
    if action.reversed_at is not None:
        return
    action.reversed_at = at
    await writer.add(session, [entry(action, zone, sign=-1)])
    # A pooled action's reversal counts against its batch (issued: buffer units are cancelled for it).
    await on_reversal(session, action.id, at)
