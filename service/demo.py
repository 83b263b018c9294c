"""Demo data for ``tanbi serve --demo``: seeded once, safe to run on every start.

This is the seam later features fill (partners, merchants, a season of events). For now: a few residents
who can sign in through the dev identity provider, each with coins in their wallet.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.db.base import utcnow
from service.identity.repository import IdentityRepository
from service.identity.service import keyed_hash
from service.jobs.queue import JobQueue, unit_of_work
from service.ledger.service import Ledger
from service.settings import Settings

DEMO_PHONES = tuple(f"1380000{n:04d}" for n in range(1, 6))
DEMO_COINS = 500


@dataclass
class DemoSummary:
    phones: tuple[str, ...]
    residents: int


async def seed_demo(settings: Settings, database, queue: JobQueue) -> DemoSummary:  # type: ignore[no-untyped-def]
    hash_key = settings.auth.hash_key.get_secret_value().encode()  # type: ignore[union-attr]
    async with unit_of_work(database, queue) as session:
        identities = IdentityRepository(session)
        ledger = Ledger(session, settings.ledger, settings.zone)
        for n, phone in enumerate(DEMO_PHONES, start=1):
            resident = await identities.ensure_resident_by_phone_hash(keyed_hash(hash_key, phone), utcnow())
            await ledger.issue(
                resident.id,
                DEMO_COINS * n,
                kind="demo_credit",
                idempotency_key=f"demo:welcome:{resident.id}",
                reference="demo welcome coins",
            )
    return DemoSummary(phones=DEMO_PHONES, residents=len(DEMO_PHONES))
