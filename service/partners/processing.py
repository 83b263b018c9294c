"""Processing stored events: resolve the subjects, run the batch credit path, record the final statuses.

Safe to run twice: only events still ``received`` are taken (rows locked, skipping ones another worker
holds), and the credit path is idempotent on the event's source key, so an event is credited once.
A batch that fails as a whole (a fault, not a verdict) is retried event by event, so one bad event is
counted against its own attempts and the others are still credited.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.batch import ActionSummary, BatchCredit, BatchItem, Result
from service.actions.models import ActionStatus
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
    events = await repo.events_to_process(event_ids)
    residents = await repo.active_bindings({(e.partner_id, e.subject_hash) for e in events})
    bound = [e for e in events if (e.partner_id, e.subject_hash) in residents]
    for event in events:
        if (event.partner_id, event.subject_hash) not in residents:
            _finish(event, EventStatus.UNCLAIMED, clock())
    items = [_item(e, residents[(e.partner_id, e.subject_hash)]) for e in bound]
    try:
        async with session.begin_nested():
            results = await BatchCredit(session, settings, registry, clock).record(items)
    except Exception:
        log.exception("crediting a batch of %d events failed; crediting them one by one", len(items))
        await _one_by_one(session, settings, registry, bound, residents, clock)
    else:
        for event, result in zip(bound, results, strict=True):
            _apply(event, result, clock())
    await session.flush()
    outcome = Outcome()
    for event in events:
        outcome.add(event.status)
    return outcome


def _item(event: PartnerEvent, resident_id: int) -> BatchItem:
    return BatchItem(resident_id, event.type, event.evidence, event.occurred_at, source_key(event))


async def _one_by_one(
    session: AsyncSession,
    settings: Settings,
    registry: Registry,
    events: list[PartnerEvent],
    residents: dict[tuple[int, str], int],
    clock: Callable[[], dt.datetime],
) -> None:
    defer_issuance(session)  # one issuance UPDATE per account at commit, not one per credit (hot rows)
    actions = ActionService(session, settings, registry, clock=clock)
    for event in events:
        item = _item(event, residents[(event.partner_id, event.subject_hash)])
        try:
            recorded = await actions.record_action(
                item.resident_id, item.methodology_id, item.evidence, item.reported_at, item.source
            )
        except DomainError as refused:  # e.g. evidence that an upgraded methodology no longer accepts
            _apply(event, refused, clock())
        except Exception as exc:  # a fault, not a verdict: retried until max_attempts, then failed
            _fault(event, exc, settings.partners.max_attempts, clock())
        else:
            _apply(event, ActionSummary.of(recorded.action), clock())


def _apply(event: PartnerEvent, result: Result, now: dt.datetime) -> None:
    if isinstance(result, DomainError):
        event.reasons = [result.code]
        _finish(event, EventStatus.REJECTED, now)
        return
    event.action_id, event.grams, event.coins, event.reasons = (
        result.action_id,
        result.grams,
        result.coins,
        result.reasons,
    )
    accepted = result.status == ActionStatus.ACCEPTED
    _finish(event, EventStatus.CREDITED if accepted else EventStatus.REJECTED, now)


def _fault(event: PartnerEvent, exc: Exception, max_attempts: int, now: dt.datetime) -> None:
    event.attempts += 1
    event.error = f"{type(exc).__name__}: {exc}"[:500]
    log.error("processing partner event %s failed (attempt %d): %s", event.id, event.attempts, event.error)
    if event.attempts >= max_attempts:
        _finish(event, EventStatus.FAILED, now)


def _finish(event: PartnerEvent, status: EventStatus, now: dt.datetime) -> None:
    event.status = status
    event.processed_at = now
