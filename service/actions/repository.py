"""Action SQL: the actions themselves, occupancy overlaps, evidence claims, cap counters, assets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.models import Action, ActionStatus, Asset, CapCounter, EvidenceClaim, Occupancy
from service.db.sql import insert_ignoring_conflict


def action_or_erased(action_id: sa.ColumnElement[int | None]) -> sa.ColumnElement[int]:
    """The action a claim or span belongs to, or 0 where its resident's erasure detached it (the guard
    stays: the same invoice or meter period is still refused, only no longer traceable to an action)."""
    return sa.func.coalesce(action_id, 0)


class ActionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_source(self, source_key: str) -> Action | None:
        return await self.session.scalar(sa.select(Action).where(Action.source_key == source_key))

    async def get(self, action_id: int) -> Action | None:
        return await self.session.get(Action, action_id)

    async def add(self, row: Action | Occupancy | EvidenceClaim | Asset) -> None:
        self.session.add(row)
        await self.session.flush()

    async def overlapping(self, scope_key: str, start: dt.datetime, end: dt.datetime) -> list[int]:
        stmt = (
            sa.select(action_or_erased(Occupancy.action_id))
            .where(Occupancy.scope_key == scope_key, Occupancy.starts_at < end, Occupancy.ends_at > start)
            .order_by(Occupancy.id)
        )
        return list((await self.session.scalars(stmt)).all())

    # claimed() and counters() answer in key order: the answers are stored in the action's context, and
    # SQLite keeps a JSON document's key order, so the batch view (batch_view.py) answers in the same order.
    async def claimed(self, keys: list[str]) -> dict[str, int]:
        if not keys:
            return {}
        stmt = (
            sa.select(EvidenceClaim.key, action_or_erased(EvidenceClaim.action_id))
            .where(EvidenceClaim.key.in_(keys))
            .order_by(EvidenceClaim.key)
        )
        return dict((await self.session.execute(stmt)).all())

    async def counters(self, keys: list[str]) -> dict[str, int]:
        if not keys:
            return {}
        stmt = (
            sa.select(CapCounter.key, CapCounter.used_micro)
            .where(CapCounter.key.in_(keys))
            .order_by(CapCounter.key)
        )
        return dict((await self.session.execute(stmt)).all())

    async def add_to_counter(self, key: str, amount_micro: int) -> None:
        await self.session.execute(
            insert_ignoring_conflict(self.session, CapCounter.__table__, ["key"]).values(
                key=key, used_micro=0
            )
        )
        await self.session.execute(
            sa.update(CapCounter)
            .where(CapCounter.key == key)
            .values(used_micro=CapCounter.used_micro + amount_micro)
        )

    async def latest_in_history(self, history_key: str, before: dt.datetime) -> Action | None:
        stmt = (
            sa.select(Action)
            .where(
                Action.history_key == history_key,
                Action.status == ActionStatus.ACCEPTED,
                Action.occurred_at <= before,
            )
            .order_by(Action.occurred_at.desc(), Action.id.desc())
            .limit(1)
        )
        return await self.session.scalar(stmt)

    async def asset(self, kind: str, ref: str) -> Asset | None:
        return await self.session.scalar(sa.select(Asset).where(Asset.kind == kind, Asset.ref == ref))

    async def in_range(
        self, since: dt.datetime, until: dt.datetime | None, after_id: int, limit: int
    ) -> Sequence[Action]:
        stmt = sa.select(Action).where(Action.occurred_at >= since, Action.id > after_id)
        if until is not None:
            stmt = stmt.where(Action.occurred_at < until)
        return (await self.session.scalars(stmt.order_by(Action.id).limit(limit))).all()
