"""Merchant jobs: lapse vouchers not consumed in time (hold voided, stock returned)."""

from __future__ import annotations

from service.db.base import utcnow
from service.jobs.context import JobContext
from service.jobs.queue import unit_of_work
from service.merchants.vouchers import lapse_expired


async def lapse_vouchers(ctx: JobContext) -> int:
    async with unit_of_work(ctx["database"], ctx["queue"]) as session:
        return await lapse_expired(session, ctx["settings"], utcnow())
