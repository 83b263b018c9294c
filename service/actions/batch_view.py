"""What a batch of actions is decided against: the stored history, fetched once, plus the batch's own actions.

``ActionService.assess`` asks its history for the registered asset, the previous reading, overlapping spans,
claimed evidence and cap usage. Record actions one by one and each question is a query that sees the actions
recorded before it. This view answers the same questions for a whole batch from a few queries made up front,
and adds each action of the batch as it is decided, so every answer is the one the one-by-one path would give.
The caller holds the advisory locks of every key involved, so the stored history cannot change meanwhile.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from methodologies._sdk import Methodology
from service.actions.models import Action, ActionStatus, Asset, CapCounter, EvidenceClaim, Occupancy
from service.actions.repository import ActionRepository, action_or_erased
from service.db.base import UTCDateTime
from service.db.dialect import dialect_for
from service.methodology.models import ParamVersion
from service.methodology.params import ParamService, ResolvedParams, select_version


@dataclass(frozen=True)
class Reading:
    """A stored or batch action as a previous reading: what ``latest_in_history`` callers use of it."""

    occurred_at: dt.datetime
    id: int
    evidence: dict[str, Any]


@dataclass(frozen=True)
class Span:
    action_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass(frozen=True)
class Lookups:
    """Every key the batch's decisions will ask about."""

    assets: set[tuple[str, str]]
    history: dict[str, dt.datetime]  # history key -> latest occurrence asked about
    # scope key -> (earliest start, latest end) of the batch's spans in that scope
    scopes: dict[str, tuple[dt.datetime, dt.datetime]]
    claims: set[str]
    counters: set[str]


class BatchHistory(ActionRepository):
    """An ``ActionRepository`` whose reads come from one prefetch plus the batch's own earlier actions."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self.bulk = dialect_for(session)
        self._assets: dict[tuple[str, str], Asset] = {}
        self._stored_latest: dict[str, Reading] = {}
        self._batch_readings: dict[str, list[Reading]] = defaultdict(list)
        self._spans: dict[str, list[Span]] = defaultdict(list)
        self._claims: dict[str, int] = {}
        self._counters: dict[str, int] = {}

    async def load(self, lookups: Lookups) -> None:
        await self._load_assets(lookups.assets)
        await self._load_history(lookups.history)
        await self._load_spans(lookups.scopes)
        self._claims = await self._load_pairs(
            EvidenceClaim.key, action_or_erased(EvidenceClaim.action_id), lookups.claims
        )
        self._counters = await self._load_pairs(CapCounter.key, CapCounter.used_micro, lookups.counters)

    # what assess asks -------------------------------------------------------------------------------
    async def asset(self, kind: str, ref: str) -> Asset | None:
        return self._assets.get((kind, ref))

    async def latest_in_history(self, history_key: str, before: dt.datetime) -> Any:
        candidates = [r for r in self._batch_readings.get(history_key, []) if r.occurred_at <= before]
        stored = self._stored_latest.get(history_key)
        if stored is not None and stored.occurred_at > before:
            # The prefetch holds the newest stored reading; an older one is needed here (rare: the batch
            # reports readings older than one already stored), so ask for exactly it.
            action = await super().latest_in_history(history_key, before)
            stored = Reading(action.occurred_at, action.id, action.evidence) if action else None
        if stored is not None:
            candidates.append(stored)
        return max(candidates, key=lambda r: (r.occurred_at, r.id), default=None)

    async def overlapping(self, scope_key: str, start: dt.datetime, end: dt.datetime) -> list[int]:
        spans = self._spans.get(scope_key, [])
        return sorted({s.action_id for s in spans if s.starts_at < end and s.ends_at > start})

    async def claimed(self, keys: list[str]) -> dict[str, int]:
        return {key: self._claims[key] for key in sorted(keys) if key in self._claims}

    async def counters(self, keys: list[str]) -> dict[str, int]:
        return {key: self._counters[key] for key in sorted(keys) if key in self._counters}

    # the batch's own actions ------------------------------------------------------------------------
    def add_reading(self, history_key: str, reading: Reading) -> None:
        self._batch_readings[history_key].append(reading)

    def add_span(self, scope_key: str, span: Span) -> None:
        self._spans[scope_key].append(span)

    def add_claim(self, key: str, action_id: int) -> None:
        self._claims[key] = action_id

    def add_to_usage(self, key: str, amount_micro: int) -> None:
        self._counters[key] = self._counters.get(key, 0) + amount_micro

    # prefetch ---------------------------------------------------------------------------------------
    async def _load_assets(self, wanted: set[tuple[str, str]]) -> None:
        if not wanted:
            return
        refs = sorted({ref for _, ref in wanted})
        rows = await self.session.scalars(sa.select(Asset).where(self.bulk.one_of(Asset.ref, refs)))
        self._assets = {(a.kind, a.ref): a for a in rows if (a.kind, a.ref) in wanted}

    async def _load_pairs(
        self, key: sa.ColumnElement[str], value: sa.ColumnElement[int], keys: set[str]
    ) -> dict[str, int]:
        if not keys:
            return {}
        rows = await self.session.execute(sa.select(key, value).where(self.bulk.one_of(key, sorted(keys))))
        return dict(rows.all())

    async def _load_history(self, latest_needed: dict[str, dt.datetime]) -> None:
        if not latest_needed:
            return
        stmt = sa.select(Action.history_key, Action.occurred_at, Action.id, Action.evidence).where(
            self.bulk.one_of(Action.history_key, sorted(latest_needed)),
            Action.status == ActionStatus.ACCEPTED,
            Action.occurred_at <= max(latest_needed.values()),
        )
        newest = (Action.occurred_at.desc(), Action.id.desc())
        stmt = self.bulk.first_of_each(stmt, Action.history_key, newest)
        for key, occurred_at, action_id, evidence in (await self.session.execute(stmt)).all():
            self._stored_latest[key] = Reading(occurred_at, action_id, evidence)

    async def _load_spans(self, scopes: dict[str, tuple[dt.datetime, dt.datetime]]) -> None:
        """Stored spans meeting each scope's own window: one scope's far-away spans (an odometer range
        drawn as time) do not widen what is read for the others."""
        if not scopes:
            return
        keys = sorted(scopes)
        windows = self.bulk.rows(
            "w",
            {"scope_key": sa.String(), "starts_at": UTCDateTime(), "ends_at": UTCDateTime()},
            [(k, *scopes[k]) for k in keys],
        )
        stmt = sa.select(
            Occupancy.scope_key, action_or_erased(Occupancy.action_id), Occupancy.starts_at, Occupancy.ends_at
        ).join(
            windows,
            sa.and_(
                Occupancy.scope_key == windows.c.scope_key,
                Occupancy.starts_at < windows.c.ends_at,
                Occupancy.ends_at > windows.c.starts_at,
            ),
        )
        rows = await self.session.execute(stmt)
        for scope, action_id, starts_at, ends_at in rows.all():
            self._spans[scope].append(Span(action_id, starts_at, ends_at))


class BatchParams(ParamService):
    """The batch's parameter versions, read once; each action still gets the version in effect."""

    def __init__(self, session: AsyncSession, registry: Any = None) -> None:
        super().__init__(session, registry=registry)
        self._versions: dict[str, list[ParamVersion]] = {}
        self._resolved: dict[tuple[str, int], ResolvedParams] = {}

    async def load(self, methodologies: list[Methodology]) -> None:
        for methodology in methodologies:
            if methodology.id not in self._versions:
                self._versions[methodology.id] = await self.versions(methodology)

    async def effective(self, methodology: Methodology, at: dt.datetime) -> ResolvedParams:
        versions = self._versions.get(methodology.id)
        row = select_version(versions, methodology.version, at) if versions else None
        if row is None:
            return await super().effective(methodology, at)
        key = (methodology.id, row.version)
        if key not in self._resolved:
            self._resolved[key] = self.resolve(methodology, row)
        return self._resolved[key]
