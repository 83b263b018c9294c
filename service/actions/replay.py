"""Explain and replay: recompute stored actions with the code and parameter versions they recorded.

A recomputation uses the facts stored on the action (time of checking, asset, previous reading, overlaps,
claims, cap usage), so it differs from the stored result only if code, parameters or data changed under it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.carry import coins_and_remainder
from service.actions.decision import decide
from service.actions.models import Action, ActionStatus
from service.actions.repository import ActionRepository
from service.errors import NotFound
from service.methodology.params import ParamService
from service.methodology.registry import Registry
from service.settings import Settings

PAGE = 500


@dataclass(frozen=True)
class Recomputed:
    action: Action
    status: str
    reasons: list[str]
    grams: int
    coins: int
    breakdown: dict[str, Any]
    params_hash: str

    @property
    def differences(self) -> list[str]:
        stored = self.action
        diffs = []
        for name, old, new in (
            ("status", stored.status, self.status),
            ("reasons", stored.reasons, self.reasons),
            ("grams", stored.grams, self.grams),
            ("coins", stored.coins, self.coins),
            ("params_hash", stored.params_hash, self.params_hash),
            ("exact_grams", stored.breakdown.get("exact_grams"), self.breakdown.get("exact_grams")),
        ):
            if old != new:
                diffs.append(f"{name}: stored {old!r}, recomputed {new!r}")
        return diffs


class Replayer:
    def __init__(self, session: AsyncSession, settings: Settings, registry: Registry) -> None:
        self.repo = ActionRepository(session)
        self.params = ParamService(session)
        self.settings = settings
        self.registry = registry

    async def explain(self, action_id: int) -> Recomputed:
        action = await self.repo.get(action_id)
        if action is None:
            raise NotFound(f"action {action_id} does not exist", code="action_not_found")
        return await self.recompute(action)

    async def recompute(self, action: Action) -> Recomputed:
        methodology = self.registry.version(action.methodology_id, action.code_version)
        resolved = await self.params.exact(methodology, action.params_version)
        evidence = methodology.Evidence.model_validate(action.evidence)
        decision = decide(
            methodology, evidence, resolved.params, action.context, self.settings.zone, action.resident_id
        )
        # Coins from the recomputed grams and the carry the action was credited with (none for actions
        # credited before the carry existed).
        carried = action.context.get("carried_grams", 0) if decision.accepted else 0
        coins, _ = coins_and_remainder(carried, decision.credited_grams, action.grams_per_coin)
        return Recomputed(
            action=action,
            status=str(ActionStatus.ACCEPTED if decision.accepted else ActionStatus.REJECTED),
            reasons=list(decision.verdict.reasons),
            grams=decision.credited_grams,
            coins=coins,
            breakdown=decision.breakdown(),
            params_hash=resolved.params_hash,
        )

    async def replay(
        self, since: dt.datetime, until: dt.datetime | None = None
    ) -> tuple[int, list[Recomputed]]:
        """Recompute every action that occurred in [since, until); returns (count, those that differ)."""
        checked, differing, after = 0, [], 0
        while True:
            page = await self.repo.in_range(since, until, after, PAGE)
            for action in page:
                result = await self.recompute(action)
                checked += 1
                if result.differences:
                    differing.append(result)
            if len(page) < PAGE:
                return checked, differing
            after = page[-1].id
