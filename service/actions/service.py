"""The credit path: verify, quantify, cap, store and credit one action, in the caller's transaction.

``record_action`` is idempotent on its source key: the same key returns the action stored the first time.
Everything the decision depended on (parameter version and hash, the registered asset, the previous
reading, overlaps, cap usage) is stored on the action, so ``replay`` can recompute it exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from methodologies._sdk import Methodology
from service.actions.carry import MICRO, carry_key, coins_and_remainder
from service.actions.counting import RollupWriter, entry
from service.actions.decision import Decision, cap_counter_keys, decide
from service.actions.models import Action, ActionStatus, EvidenceClaim, Occupancy
from service.actions.repository import ActionRepository
from service.db.base import utcnow
from service.db.sql import lock_keys
from service.errors import Invalid, validation_errors
from service.ledger.service import Credit, IssueMode, Ledger
from service.methodology.params import ParamService, ResolvedParams
from service.methodology.registry import Registry
from service.residents.districts import districts_of
from service.settings import Settings


@dataclass(frozen=True)
class Assessment:
    """A decision about one piece of evidence, with what it was decided from (stored or dry run)."""

    methodology: Methodology
    evidence: Any
    occurred_at: dt.datetime
    params: ResolvedParams
    decision: Decision
    facts: dict[str, Any]


@dataclass(frozen=True)
class Recorded:
    action: Action
    created: bool


class ActionService:
    def __init__(
        self,
        session: AsyncSession,
        settings: Settings,
        registry: Registry,
        clock: Callable[[], dt.datetime] = utcnow,
        *,
        history: ActionRepository | None = None,
        params: ParamService | None = None,
        rollups: RollupWriter | None = None,
    ) -> None:
        self.session = session
        self.settings = settings
        self.registry = registry
        self.clock = clock
        # ``history`` and ``params`` answer assess's reads; the batch path passes views that add its own
        # earlier actions, so one decision is made by the same code either way.
        self.repo = history or ActionRepository(session)
        self.params = params or ParamService(session, clock, registry)
        # Where accepted actions are counted for the city; only a service that records actions needs one.
        self.rollups = rollups

    def parse(self, methodology: Methodology, evidence: Any) -> Any:
        """The evidence as the methodology's model; Invalid (422 invalid_evidence) with the errors if not."""
        if isinstance(evidence, methodology.Evidence):
            return evidence
        try:
            return methodology.Evidence.model_validate(evidence)
        except ValidationError as exc:
            errors = validation_errors(exc)
            raise Invalid(
                f"evidence does not match {methodology.id}'s schema",
                code="invalid_evidence",
                extra={"errors": errors},
            ) from exc

    async def record_action(
        self,
        resident_id: int,
        methodology_id: str,
        evidence: Any,
        occurred_at: dt.datetime | None,
        source: str,
        *,
        received_at: dt.datetime | None = None,
    ) -> Recorded:
        """Store the action (accepted or rejected, with reasons) and credit its coins, once per ``source``."""
        existing = await self.repo.by_source(source)
        if existing is not None:
            return Recorded(existing, created=False)
        methodology = self.registry.current(methodology_id)
        parsed = self.parse(methodology, evidence)
        async with self.session.begin_nested():
            # Everything this action's checks read is locked first, so a racing action waits and then sees it.
            await lock_keys(
                self.session, [f"source:{source}", *self.keys_to_lock(methodology, parsed, resident_id)]
            )
            existing = await self.repo.by_source(source)
            if existing is not None:
                return Recorded(existing, created=False)
            assessment = await self.assess(
                methodology, parsed, resident_id, reported_at=occurred_at, received_at=received_at
            )
            action = await self._store(resident_id, source, assessment)
        return Recorded(action, created=True)

    async def assess(
        self,
        methodology: Methodology,
        evidence: Any,
        resident_id: int | None,
        *,
        reported_at: dt.datetime | None = None,
        received_at: dt.datetime | None = None,
        asset: dict[str, Any] | None = None,
    ) -> Assessment:
        """Verify, quantify and cap. With ``resident_id`` None (a dry run) history checks are skipped.

        ``received_at``, when the service took the report in, is the "now" of the checks (too old, in the
        future): a report that arrived in time is not refused because a worker reached it late, and a replay
        judges it as it was judged.

        The caller holds the locks of ``keys_to_lock`` when ``resident_id`` is given (``record_action`` does).
        """
        occurred = methodology.occurred_at(evidence)
        resolved = await self.params.effective(methodology, occurred)
        facts: dict[str, Any] = {
            "now": (received_at or self.clock()).isoformat(),
            "reported_at": reported_at.isoformat() if reported_at else None,
            "asset": asset,
            # A dry run's asset is taken as the record a partner would have sent.
            "asset_source": "partner" if asset is not None else None,
            "previous": None,
            "overlapping": [],
        }
        if resident_id is not None:
            facts |= await self._history(methodology, evidence, resident_id, occurred)
            counters = cap_counter_keys(
                methodology, evidence, resolved.params, resident_id, self.settings.zone
            )
            facts["cap_usage"] = await self.repo.counters(counters)
        asset = facts.get("asset")
        facts["derived"] = methodology.derived_facts(evidence, resolved.params, asset) if asset else {}
        decision = decide(methodology, evidence, resolved.params, facts, self.settings.zone, resident_id or 0)
        return Assessment(methodology, evidence, occurred, resolved, decision, _jsonable(facts))

    def keys_to_lock(self, methodology: Methodology, evidence: Any, resident_id: int) -> list[str]:
        keys = [f"occupancy:{scope_key(o, resident_id)}" for o in methodology.occupancy(evidence)]
        keys += [f"claim:{c.key}" for c in methodology.claims(evidence)]
        keys += [f"caps:{methodology.id}:r{resident_id}", carry_key(resident_id)]
        defaults = methodology.Params()
        shared_caps = [c for c in methodology.caps(evidence, defaults) if not c.per_resident]
        keys += [f"caps:{methodology.id}:{c.scope}" for c in shared_caps]
        # Members of an exclusive group share the resident's totals across methodologies.
        keys += [f"exclusive:{g.group}:r{resident_id}" for g in methodology.exclusive(evidence, defaults)]
        return keys

    async def carried(self, resident_id: int) -> int:
        """Grams the resident's earlier accepted actions left under one coin (the caller holds the lock)."""
        key = carry_key(resident_id)
        return (await self.repo.counters([key])).get(key, 0) // MICRO

    async def _history(
        self, methodology: Methodology, evidence: Any, resident_id: int, occurred: dt.datetime
    ) -> dict[str, Any]:
        """Facts from stored actions: the asset, the previous reading, overlaps and duplicate evidence."""
        facts: dict[str, Any] = {"service_reasons": []}
        facts["asset"], facts["asset_source"] = await self._asset(methodology, evidence, resident_id)
        key = methodology.history_key(evidence)
        previous = await self.repo.latest_in_history(key, occurred) if key else None
        facts["previous"] = previous.evidence if previous is not None else None
        overlapping: list[int] = []
        for span in methodology.occupancy(evidence):
            found = await self.repo.overlapping(scope_key(span, resident_id), span.start, span.end)
            overlapping += found
            if found and span.reason not in facts["service_reasons"]:
                facts["service_reasons"].append(span.reason)
        facts["overlapping"] = sorted(set(overlapping))
        claims = methodology.claims(evidence)
        taken = await self.repo.claimed([c.key for c in claims])
        facts["claimed_by"] = taken
        facts["service_reasons"] += [c.reason for c in claims if c.key in taken]
        return facts

    async def _asset(
        self, methodology: Methodology, evidence: Any, resident_id: int
    ) -> tuple[dict[str, Any] | None, str | None]:
        """The registered asset's attributes and who registered them (a resident or a partner)."""
        kind = getattr(methodology, "asset_kind", None)
        ref = methodology.asset_ref(evidence)
        if kind is None or ref is None:
            return None, None
        asset = await self.repo.asset(kind, ref)
        # An asset counts only for its owner: nobody is credited for someone else's roof.
        if asset is None or asset.resident_id != resident_id:
            return None, None
        return asset.attributes, asset.source

    async def _store(self, resident_id: int, source: str, assessment: Assessment) -> Action:
        district = (await districts_of(self.session, [resident_id]))[resident_id]
        carried = await self.carried(resident_id)
        values = action_values(
            resident_id,
            source,
            assessment,
            self.settings.ledger.grams_per_coin,
            self.clock(),
            district,
            carried,
        )
        action = Action(**values)
        await self.repo.add(action)
        decision = assessment.decision
        if decision.accepted:
            await self._hold_ground(action, assessment, resident_id)
        return action

    async def _hold_ground(self, action: Action, assessment: Assessment, resident_id: int) -> None:
        """Occupy the action's spans, claim its evidence, advance its caps, and credit its coins."""
        methodology = assessment.methodology
        for span in methodology.occupancy(assessment.evidence):
            self.session.add(
                Occupancy(
                    action_id=action.id,
                    scope_key=scope_key(span, resident_id),
                    starts_at=span.start,
                    ends_at=span.end,
                )
            )
        for claim in methodology.claims(assessment.evidence):
            self.session.add(EvidenceClaim(key=claim.key, action_id=action.id))
        await self.session.flush()
        for key, amount in assessment.decision.caps.increments.items():
            await self.repo.add_to_counter(key, amount)
        carried = action.context["carried_grams"]
        if action.remainder_grams != carried:
            await self.repo.add_to_counter(carry_key(resident_id), (action.remainder_grams - carried) * MICRO)
        if action.coins > 0:
            ledger = Ledger(self.session, self.settings.ledger, self.settings.zone, clock=self.clock)
            # FRESH: the action was inserted in this very transaction, so no request can hold its key.
            credit = Credit(resident_id, action.coins, f"action:{action.id}", f"action:{action.id}")
            [action.transfer_id] = await ledger.issue([credit], mode=IssueMode.FRESH)
            await self.session.flush()
        assert self.rollups is not None, "an ActionService that records actions is handed a RollupWriter"
        await self.rollups.add(self.session, [entry(action, self.settings.zone)])


def action_values(
    resident_id: int,
    source: str,
    assessment: Assessment,
    grams_per_coin: int,
    now: dt.datetime,
    district: str,
    carried: int,
) -> dict[str, Any]:
    """The stored action's columns (both credit paths store exactly these). ``carried``: the grams the
    resident's earlier actions left under one coin; a rejected action neither uses nor changes them."""
    decision = assessment.decision
    grams = decision.credited_grams
    carried = carried if decision.accepted else 0
    coins, remainder = coins_and_remainder(carried, grams, grams_per_coin)
    methodology = assessment.methodology
    return {
        "resident_id": resident_id,
        "methodology_id": methodology.id,
        "family": methodology.family,
        "code_version": methodology.version,
        "params_version": assessment.params.version,
        "params_hash": assessment.params.params_hash,
        "source_key": source,
        "occurred_at": assessment.occurred_at,
        "history_key": methodology.history_key(assessment.evidence),
        "evidence": assessment.evidence.model_dump(mode="json"),
        "status": ActionStatus.ACCEPTED if decision.accepted else ActionStatus.REJECTED,
        "reasons": list(decision.verdict.reasons),
        "grams": grams,
        "coins": coins,
        "remainder_grams": remainder,
        "grams_per_coin": grams_per_coin,
        "breakdown": decision.breakdown(),
        "context": {**assessment.facts, "carried_grams": carried} if decision.accepted else assessment.facts,
        "district": district,
        "created_at": now,
    }


def scope_key(span: Any, resident_id: int) -> str:
    return f"r{resident_id}:{span.scope}" if span.per_resident else span.scope


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
