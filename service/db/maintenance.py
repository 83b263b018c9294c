"""The database's own periodic job: next months' partitions, created well before a row needs them."""

from __future__ import annotations

from service.db import partitions
from service.jobs.context import JobContext
from service.jobs.queue import unit_of_work


async def ensure_partitions(ctx: JobContext) -> int:
    """Create the missing partitions of this month and the next three; returns how many were made.

    Daily is plenty for a three-month window: a missed run, or one that waited out its lock timeout behind
    a long transaction, leaves months to spare. Without the partition of its month an insert would fail.
    """
    async with unit_of_work(ctx["database"], ctx["queue"]) as session:
        return await partitions.ensure(session)
