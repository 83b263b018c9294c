"""Processing stored events: resolve the subjects, run the batch credit path, record the final statuses.

Safe to run twice: only events still ``received`` are taken (rows locked, skipping ones another worker
holds), and the credit path is idempotent on the event's source key, so an event is credited once.
A batch that fails as a whole (a fault, not a verdict) is retried event by event, so one bad event is
counted against its own attempts and the others are still credited.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.batch import ActionSummary, BatchCredit, BatchItem, Result, record_item
from service.actions.models import ActionStatus
from service.actions.service import ActionService
from service.city.rollups import RollupLog
from service.db.base import utcnow
from service.errors import DomainError
from service.methodology.registry import Registry
from service.partners.models import EventStatus
from service.partners.repository import Finished, PartnerRepository, Pending
from service.settings import PartnerSettings, Settings

log = logging.getLogger("tanbi.partners")
# The city counts credited actions through its log (folded by a job), never in the crediting rows.
ROLLUPS = RollupLog()


@dataclass
class Outcome:
    counts: dict[str, int] = field(default_factory=dict)


def source_key(partner_id: int, event_id: str) -> str:
    return f"partner:{partner_id}:event:{event_id}"


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
    finished = [_unclaimed(e, clock()) for e in events if (e.partner_id, e.subject_hash) not in residents]
    items = [_item(e, residents[(e.partner_id, e.subject_hash)]) for e in bound]
    try:
        async with session.begin_nested():
            results = await BatchCredit(session, settings, registry, clock, rollups=ROLLUPS).record(items)
    except Exception:
        log.exception("crediting a batch of %d events failed; crediting them one by one", len(items))
        finished += await _one_by_one(session, settings, registry, bound, items, clock)
    else:
        finished += [_outcome(e, r, clock()) for e, r in zip(bound, results, strict=True)]
    await repo.finish_events(finished)
    return Outcome(dict(Counter(f.status for f in finished)))


def _item(event: Pending, resident_id: int) -> BatchItem:
    source = source_key(event.partner_id, event.event_id)
    return BatchItem(resident_id, event.type, event.evidence, event.occurred_at, source, event.received_at)


async def _one_by_one(
    session: AsyncSession,
    settings: Settings,
    registry: Registry,
    events: list[Pending],
    items: list[BatchItem],
    clock: Callable[[], dt.datetime],
) -> list[Finished]:
    actions = ActionService(session, settings, registry, clock=clock, rollups=ROLLUPS)
    finished = []
    for event, item in zip(events, items, strict=True):
        try:
            recorded = await record_item(actions, item)
        except DomainError as refused:  # e.g. evidence that an upgraded methodology no longer accepts
            finished.append(_outcome(event, refused, clock()))
        except Exception as exc:  # a fault, not a verdict: retried until max_attempts, then failed
            finished.append(_fault(event, exc, settings.partners, clock()))
        else:
            finished.append(_outcome(event, ActionSummary.of(recorded.action), clock()))
    return finished


def _unclaimed(event: Pending, now: dt.datetime) -> Finished:
    return Finished(event.id, EventStatus.UNCLAIMED, None, None, None, [], None, event.attempts, now)


def _outcome(event: Pending, result: Result, now: dt.datetime) -> Finished:
    if isinstance(result, DomainError):
        return Finished(
            event.id, EventStatus.REJECTED, None, None, None, [result.code], None, event.attempts, now
        )
    status = EventStatus.CREDITED if result.status == ActionStatus.ACCEPTED else EventStatus.REJECTED
    return Finished(
        event.id,
        status,
        result.action_id,
        result.grams,
        result.coins,
        result.reasons,
        None,
        event.attempts,
        now,
    )


MAX_BACKOFF = dt.timedelta(hours=1)


def _fault(event: Pending, exc: Exception, settings: PartnerSettings, now: dt.datetime) -> Finished:
    """A fault, not a verdict: tried again after a backoff, and ``failed`` after ``max_attempts``."""
    attempts = event.attempts + 1
    error = f"{type(exc).__name__}: {exc}"[:500]
    log.error("processing partner event %s failed (attempt %d): %s", event.id, attempts, error)
    if attempts >= settings.max_attempts:
        return Finished(event.id, EventStatus.FAILED, None, None, None, [], error, attempts, now)
    backoff = min(dt.timedelta(seconds=settings.retry_base_seconds * 2 ** (attempts - 1)), MAX_BACKOFF)
    return Finished(
        event.id, EventStatus.RECEIVED, None, None, None, [], error, attempts, None, now + backoff
    )
