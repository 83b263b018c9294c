"""Ledger jobs: void holds past their timeout, and move expired lots to the expiry sink.

Both are idempotent: a hold is voided at most once, and a lot's remainder is moved under the wallet's row
lock after re-reading the lot, so a second run (or two workers at once) finds nothing left to move.
"""

from __future__ import annotations

from service.jobs.context import JobContext
from service.jobs.queue import unit_of_work
from service.ledger.service import Ledger

BATCH = 500


async def void_expired_holds(ctx: JobContext) -> int:
    """Void every pending hold whose expiry has passed; returns how many were voided."""
    total = 0
    while True:
        async with unit_of_work(ctx["database"], ctx["queue"]) as session:
            settings = ctx["settings"]
            voided = await Ledger(session, settings.ledger, settings.zone).void_expired_holds(limit=BATCH)
        total += voided
        if voided == 0:  # not "< BATCH": a concurrent sweep may have voided part of a full batch
            return total


async def expire_lots(ctx: JobContext) -> int:
    """Move every expired lot's unreserved remainder to the expiry sink; returns coins expired."""
    total = 0
    while True:
        async with unit_of_work(ctx["database"], ctx["queue"]) as session:
            settings = ctx["settings"]
            expired = await Ledger(session, settings.ledger, settings.zone).expire_lots(limit=BATCH)
        total += expired
        if expired == 0:
            return total
