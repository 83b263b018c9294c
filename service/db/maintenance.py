"""The database's own periodic job: next months' partitions, created well before a row needs them."""

from __future__ import annotations

from service.db import partitions
from service.jobs.context import JobContext
from service.jobs.queue import unit_of_work


async def ensure_partitions(ctx: JobContext) -> int:
    """Create the missing partitions of this month and the next; returns how many were made.

    Hourly, so next month's partition exists within the hour a month begins and weeks before its first
    row; a missed run, or one that waited out its lock timeout behind a long transaction, leaves weeks to
    spare. Without the partition of its month an insert would fail.
    """
    async with unit_of_work(ctx["database"], ctx["queue"]) as session:
        return await partitions.ensure(session)
