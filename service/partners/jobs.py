"""Partner jobs: process a batch of stored events; sweep events left ``received`` back into the queue."""

from __future__ import annotations

import datetime as dt
import logging

from service.db.base import utcnow
from service.jobs.context import JobContext
from service.jobs.queue import defer, unit_of_work
from service.partners.ingest import PROCESS_JOB
from service.partners.processing import process_events
from service.partners.repository import PartnerRepository

log = logging.getLogger("tanbi.partners")


async def process_partner_events(ctx: JobContext, event_ids: list[int]) -> dict[str, int]:
    # One transaction per batch_size events: the batch credit path costs a few statements per batch, and
    # its locks (each resident's keys, the wallet rows) are held only for that transaction.
    per_commit = ctx["settings"].partners.batch_size
    counts: dict[str, int] = {}
    for start in range(0, len(event_ids), per_commit):
        async with unit_of_work(ctx["database"], ctx["queue"]) as session:
            chunk = event_ids[start : start + per_commit]
            outcome = await process_events(session, ctx["settings"], ctx["registry"], chunk)
        for status, count in outcome.counts.items():
            counts[status] = counts.get(status, 0) + count
    # With the enqueuing request's id (service/observability): a partner's batch can be followed to here.
    log.info("processed %d partner events: %s", len(event_ids), counts)
    return counts


async def sweep_partner_events(ctx: JobContext) -> int:
    """Re-enqueue events still ``received`` a while after arrival (the queue lost them, or was down)."""
    settings = ctx["settings"].partners
    now = utcnow()
    before = now - dt.timedelta(seconds=settings.sweep_after_seconds)
    swept = 0
    async with unit_of_work(ctx["database"], ctx["queue"]) as session:
        ids = await PartnerRepository(session).stuck_event_ids(before, now, limit=50 * settings.batch_size)
        for start in range(0, len(ids), settings.batch_size):
            defer(session, PROCESS_JOB, event_ids=ids[start : start + settings.batch_size])
        swept = len(ids)
    return swept
