"""Processing stored events: resolve the subject, run the credit path, record the final status.

Safe to run twice: only events still ``received`` are taken (rows locked, skipping ones another worker
holds), and the credit path is idempotent on the event's source key, so an event is credited once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.service import ActionService
from service.db.base import utcnow
from service.errors import DomainError
from service.ledger.deferred import defer_issuance
from service.methodology.registry import Registry
from service.partners.models import EventStatus, PartnerEvent
from service.partners.repository import PartnerRepository
from service.settings import Settings

log = logging.getLogger("tanbi.partners")


@dataclass
class Outcome:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, status: str) -> None:
        self.counts[status] = self.counts.get(status, 0) + 1


def source_key(event: PartnerEvent) -> str:
    return f"partner:{event.partner_id}:event:{event.event_id}"


async def process_events(
    session: AsyncSession,
    settings: Settings,
    registry: Registry,
    event_ids: list[int],
    clock: Callable[[], dt.datetime] = utcnow,
) -> Outcome:
    repo = PartnerRepository(session)
    defer_issuance(session)  # one issuance UPDATE per account at commit, not one per credit (hot rows)
    actions = ActionService(session, settings, registry, clock=clock)
    outcome = Outcome()
    for event in await repo.events_to_process(event_ids):
        await _process_one(repo, actions, settings, event, clock())
        outcome.add(event.status)
    await session.flush()
    return outcome


async def _process_one(
    repo: PartnerRepository, actions: ActionService, settings: Settings, event: PartnerEvent, now: dt.datetime
) -> None:
    binding = await repo.active_binding(event.partner_id, event.subject_hash)
    if binding is None:
        _finish(event, EventStatus.UNCLAIMED, now)
        return
    try:
        recorded = await actions.record_action(
            binding.resident_id, event.type, event.evidence, event.occurred_at, source_key(event)
        )
    except DomainError as refused:  # e.g. evidence that an upgraded methodology no longer accepts
        event.reasons = [refused.code]
        _finish(event, EventStatus.REJECTED, now)
        return
    except Exception as exc:  # a fault, not a verdict: retried until max_attempts, then failed
        event.attempts += 1
        event.error = f"{type(exc).__name__}: {exc}"[:500]
        log.exception("processing partner event %s failed (attempt %d)", event.id, event.attempts)
        if event.attempts >= settings.partners.max_attempts:
            _finish(event, EventStatus.FAILED, now)
        return
    action = recorded.action
    event.action_id, event.grams, event.coins, event.reasons = (
        action.id,
        action.grams,
        action.coins,
        action.reasons,
    )
    _finish(event, EventStatus.CREDITED if action.status == "accepted" else EventStatus.REJECTED, now)


def _finish(event: PartnerEvent, status: EventStatus, now: dt.datetime) -> None:
    event.status = status
    event.processed_at = now
