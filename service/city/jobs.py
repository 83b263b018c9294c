"""The city's jobs: fold the roll-up log (service/city/rollups.py) and publish the grid
(service/city/publication.py), each on a schedule."""

from __future__ import annotations

from service.city.publication import publish
from service.city.rollups import fold
from service.db.base import utcnow
from service.jobs.context import JobContext
from service.jobs.queue import unit_of_work


async def publish_city(ctx: JobContext) -> int:
    """Publish the grid from the roll-ups as they are now; returns how many cells it holds."""
    settings = ctx["settings"]
    async with unit_of_work(ctx["database"], ctx["queue"]) as session:
        published = await publish(session, settings.city, ctx["registry"].families(), utcnow())
    return published.cells


async def fold_rollups(ctx: JobContext) -> int:
    """Fold the roll-up log, a chunk per transaction so none holds the fold lock for long; returns how
    many logged actions it folded."""
    settings, total = ctx["settings"], 0
    while True:
        async with unit_of_work(ctx["database"], ctx["queue"]) as session:
            folded = await fold(session, settings.city, chunks=1)
        total += folded
        if folded == 0:
            return total
