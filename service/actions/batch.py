"""The credit path for many actions at once: the decisions ``record_action`` makes, a few statements a batch.

One action through ``record_action`` costs about sixty statements; a partner batch of 500 would be thirty
thousand round trips. Here the batch takes every advisory lock it needs in one statement, reads what its
decisions depend on once (``BatchHistory``, ``BatchParams``), decides each action in order with the very same
``ActionService.assess`` (an action sees the batch's earlier actions, exactly as if recorded one by one), and
writes each table with one statement. Ids are reserved up front so the rows can reference each other. Both
dialects run this same code: what differs (arrays and sequences, or a JSON parameter and the rowid) is behind
``service.db.dialect``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from methodologies._sdk import Methodology
from service.actions.batch_view import BatchHistory, BatchParams, Lookups, Reading, Span
from service.actions.carry import MICRO, carry_key
from service.actions.counting import RollupWriter, entry
from service.actions.decision import cap_counter_keys
from service.actions.models import Action, ActionStatus, CapCounter, EvidenceClaim, Occupancy
from service.actions.service import ActionService, Assessment, Recorded, action_values, scope_key
from service.db.base import table, utcnow
from service.db.dialect import dialect_for
from service.db.sql import lock_keys
from service.errors import DomainError
from service.ledger.service import Credit, IssueMode, Ledger
from service.methodology.registry import Registry
from service.residents.districts import districts_of
from service.settings import Settings

ADD_TO_COUNTERS = "ON CONFLICT (key) DO UPDATE SET used_micro = cap_counters.used_micro + excluded.used_micro"


@dataclass(frozen=True)
class BatchItem:
    resident_id: int
    methodology_id: str
    evidence: Any
    reported_at: dt.datetime | None
    source: str
    # When the partner delivered it: freshness is judged then, not when a (possibly late) worker runs.
    received_at: dt.datetime | None = None


async def record_item(actions: ActionService, item: BatchItem) -> Recorded:
    """``item`` through ``record_action``: the one-by-one path, for the events of a batch that failed."""
    return await actions.record_action(
        item.resident_id,
        item.methodology_id,
        item.evidence,
        item.reported_at,
        item.source,
        received_at=item.received_at,
    )


@dataclass(frozen=True)
class ActionSummary:
    """What a caller of the credit path learns about the action stored for its item."""

    action_id: int
    status: str
    grams: int
    coins: int
    reasons: list[str]

    @classmethod
    def of(cls, action: Action) -> ActionSummary:
        return cls(action.id, action.status, action.grams, action.coins, list(action.reasons))


# Per item: the stored action (new, or the one its source key already had), or why its evidence was refused.
Result = ActionSummary | DomainError


@dataclass(frozen=True)
class _Parsed:
    index: int
    item: BatchItem
    methodology: Methodology
    evidence: Any


@dataclass(frozen=True)
class _Decided:
    parsed: _Parsed
    row: dict[str, Any]  # the action's columns
    increments: dict[str, int]  # cap counter key -> micro-units this action adds


class BatchCredit:
    def __init__(
        self,
        session: AsyncSession,
        settings: Settings,
        registry: Registry,
        clock: Callable[[], dt.datetime] = utcnow,
        *,
        rollups: RollupWriter,
    ) -> None:
        self.session = session
        self.settings = settings
        self.registry = registry
        self.clock = clock
        self.rollups = rollups
        self.bulk = dialect_for(session)

    async def record(self, items: list[BatchItem]) -> list[Result]:
        """Store and credit every item once per source key; results in the order of ``items``."""
        parsed = self._parse(items)
        await lock_keys(self.session, self._keys_to_lock(items, parsed))
        results: list[Result | None] = [None] * len(items)
        fresh = await self._select_fresh(items, parsed, results)
        history, params = BatchHistory(self.session), BatchParams(self.session, self.registry)
        await params.load([p.methodology for p in fresh])
        await history.load(await self._lookups(fresh, params))
        actions = ActionService(
            self.session, self.settings, self.registry, self.clock, history=history, params=params
        )
        decided = await self._decide(fresh, actions, history)
        await self._write(decided)
        for d in decided:
            results[d.parsed.index] = _summary(d.row)
        return _fill_repeats(items, results)

    def _parse(self, items: list[BatchItem]) -> list[_Parsed | DomainError]:
        parser = ActionService(self.session, self.settings, self.registry, self.clock)
        parsed: list[_Parsed | DomainError] = []
        for index, item in enumerate(items):
            try:
                methodology = self.registry.current(item.methodology_id)
                parsed.append(_Parsed(index, item, methodology, parser.parse(methodology, item.evidence)))
            except DomainError as refused:
                parsed.append(refused)
        return parsed

    def _keys_to_lock(self, items: list[BatchItem], parsed: list[_Parsed | DomainError]) -> list[str]:
        keys_of = ActionService(self.session, self.settings, self.registry, self.clock).keys_to_lock
        keys = [f"source:{item.source}" for item in items]
        for p in parsed:
            if isinstance(p, _Parsed):
                keys += keys_of(p.methodology, p.evidence, p.item.resident_id)
        return keys

    async def _select_fresh(
        self, items: list[BatchItem], parsed: list[_Parsed | DomainError], results: list[Result | None]
    ) -> list[_Parsed]:
        """The items to decide now, in order; the rest get their result as ``record_action`` would give it.

        A source key with a stored action gets that action (even if its evidence would now be refused); a
        repeat of a key decided earlier in the batch gets that decision; refused evidence gets its error.
        """
        sources = sorted({item.source for item in items})
        stmt = sa.select(Action).where(self.bulk.one_of(Action.source_key, sources))
        stored = {a.source_key: a for a in await self.session.scalars(stmt)}
        fresh: list[_Parsed] = []
        deciding: set[str] = set()
        for index, (item, p) in enumerate(zip(items, parsed, strict=True)):
            if item.source in stored:
                results[index] = ActionSummary.of(stored[item.source])
            elif item.source in deciding:
                continue  # filled from its first occurrence
            elif isinstance(p, DomainError):
                results[index] = p
            else:
                deciding.add(item.source)
                fresh.append(p)
        return fresh

    async def _lookups(self, fresh: list[_Parsed], params: BatchParams) -> Lookups:
        assets, history, claims, counters = set(), {}, set(), set()
        scopes: dict[str, tuple[dt.datetime, dt.datetime]] = {}
        for p in fresh:
            m, evidence, resident = p.methodology, p.evidence, p.item.resident_id
            kind, ref = getattr(m, "asset_kind", None), m.asset_ref(evidence)
            if kind is not None and ref is not None:
                assets.add((kind, ref))
            if key := m.history_key(evidence):
                occurred = m.occurred_at(evidence)
                history[key] = max(occurred, history.get(key, occurred))
            for span in m.occupancy(evidence):
                key = scope_key(span, resident)
                start, end = scopes.get(key, (span.start, span.end))
                scopes[key] = (min(start, span.start), max(end, span.end))
            claims.update(c.key for c in m.claims(evidence))
            resolved = await params.effective(m, m.occurred_at(evidence))
            counters.update(cap_counter_keys(m, evidence, resolved.params, resident, self.settings.zone))
            counters.add(carry_key(resident))
        return Lookups(assets, history, scopes, claims, counters)

    async def _decide(
        self, fresh: list[_Parsed], actions: ActionService, history: BatchHistory
    ) -> list[_Decided]:
        ids = await self.bulk.next_ids(table(Action), len(fresh))
        grams_per_coin = self.settings.ledger.grams_per_coin
        districts = await districts_of(self.session, [p.item.resident_id for p in fresh])
        decided = []
        for action_id, p in zip(ids, fresh, strict=True):
            resident = p.item.resident_id
            assessment = await actions.assess(
                p.methodology,
                p.evidence,
                resident,
                reported_at=p.item.reported_at,
                received_at=p.item.received_at,
            )
            carried = await actions.carried(resident)
            row = action_values(
                resident,
                p.item.source,
                assessment,
                grams_per_coin,
                self.clock(),
                districts[resident],
                carried,
            )
            row["id"] = action_id
            row["transfer_id"] = None
            increments = dict(assessment.decision.caps.increments)
            if assessment.decision.accepted:
                if row["remainder_grams"] != carried:
                    increments[carry_key(resident)] = (row["remainder_grams"] - carried) * MICRO
                _remember(history, row, increments, assessment, resident)
            decided.append(_Decided(p, row, increments))
        return decided

    async def _write(self, decided: list[_Decided]) -> None:
        accepted = [d for d in decided if d.row["status"] == ActionStatus.ACCEPTED]
        credited = [d.row for d in accepted if d.row["coins"] > 0]
        credits = [
            Credit(r["resident_id"], r["coins"], f"action:{r['id']}", f"action:{r['id']}") for r in credited
        ]
        ledger = Ledger(self.session, self.settings.ledger, self.settings.zone, clock=self.clock)
        transfer_ids = await ledger.issue(credits, mode=IssueMode.FRESH)  # keys of actions inserted below
        for row, transfer_id in zip(credited, transfer_ids, strict=True):
            row["transfer_id"] = transfer_id
        await self.bulk.insert(table(Action), [d.row for d in decided])
        await self._hold_ground(accepted)
        zone = self.settings.zone
        await self.rollups.add(self.session, [entry(d.row, zone) for d in accepted])

    async def _hold_ground(self, accepted: list[_Decided]) -> None:
        """The accepted actions' spans, claims and cap usage (what ``ActionService._hold_ground`` writes)."""
        spans, claims, usage = [], [], {}
        for d in accepted:
            action_id, resident, m, evidence = (
                d.row["id"],
                d.parsed.item.resident_id,
                d.parsed.methodology,
                d.parsed.evidence,
            )
            spans += [
                {
                    "action_id": action_id,
                    "scope_key": scope_key(s, resident),
                    "starts_at": s.start,
                    "ends_at": s.end,
                }
                for s in m.occupancy(evidence)
            ]
            claims += [{"key": c.key, "action_id": action_id} for c in m.claims(evidence)]
            for key, amount in d.increments.items():
                usage[key] = usage.get(key, 0) + amount
        await self.bulk.insert(table(Occupancy), spans)
        await self.bulk.insert(table(EvidenceClaim), claims)
        counters = [{"key": k, "used_micro": usage[k]} for k in sorted(usage)]
        await self.bulk.insert(table(CapCounter), counters, on_conflict=ADD_TO_COUNTERS)


def _remember(
    history: BatchHistory,
    row: dict[str, Any],
    increments: dict[str, int],
    assessment: Assessment,
    resident: int,
) -> None:
    """Let the batch's later actions see this accepted one, as they would see it stored."""
    methodology, evidence = assessment.methodology, assessment.evidence
    if row["history_key"]:
        history.add_reading(row["history_key"], Reading(row["occurred_at"], row["id"], row["evidence"]))
    for span in methodology.occupancy(evidence):
        history.add_span(scope_key(span, resident), Span(row["id"], span.start, span.end))
    for claim in methodology.claims(evidence):
        history.add_claim(claim.key, row["id"])
    for key, amount in increments.items():  # cap usage and the resident's carry
        history.add_to_usage(key, amount)


def _summary(row: dict[str, Any]) -> ActionSummary:
    return ActionSummary(row["id"], row["status"], row["grams"], row["coins"], list(row["reasons"]))


def _fill_repeats(items: list[BatchItem], results: list[Result | None]) -> list[Result]:
    decided = {item.source: r for item, r in zip(items, results, strict=True) if isinstance(r, ActionSummary)}
    return [r if r is not None else decided[item.source] for item, r in zip(items, results, strict=True)]
