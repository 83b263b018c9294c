"""The city's job: publish the grid (service/city/publication.py) on a schedule."""

from __future__ import annotations

from service.city.publication import publish
from service.db.base import utcnow
from service.jobs.context import JobContext
from service.jobs.queue import unit_of_work


async def publish_city(ctx: JobContext) -> int:
    """Publish the grid from the roll-ups as they are now; returns how many cells it holds."""
    settings = ctx["settings"]
    async with unit_of_work(ctx["database"], ctx["queue"]) as session:
        published = await publish(session, settings.city.k_anonymity, ctx["registry"].families(), utcnow())
    return published.cells
