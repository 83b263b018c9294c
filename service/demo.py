"""Demo data for ``tanbi serve --demo``: seeded once, safe to run on every start.

This is the seam later features fill (merchants, a season of events). For now: a few residents who can
sign in through the dev identity provider, each with coins in their wallet, and one demo partner per
methodology whose id and webhook secret are kept in ``data/demo-partners.json`` (a sandbox convenience:
real partners' secrets are shown once and never stored in clear).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.db.base import utcnow
from service.demo_city import seed_city
from service.identity.repository import IdentityRepository
from service.identity.service import keyed_hash
from service.jobs.queue import JobQueue, unit_of_work
from service.ledger.service import Ledger
from service.settings import Settings

DEMO_PHONES = tuple(f"1380000{n:04d}" for n in range(1, 6))
DEMO_COINS = 500


DEMO_PARTNERS_FILE = "demo-partners.json"


@dataclass
class DemoSummary:
    phones: tuple[str, ...]
    residents: int
    partners: dict[str, dict[str, Any]] = field(default_factory=dict)
    city: dict[str, Any] = field(default_factory=dict)


async def seed_demo(settings: Settings, database, queue: JobQueue, registry=None) -> DemoSummary:  # type: ignore[no-untyped-def]
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
        partners = await _demo_partners(session, settings, registry) if registry is not None else {}
    city = await seed_city(settings, database, queue, registry, partners) if registry is not None else {}
    return DemoSummary(phones=DEMO_PHONES, residents=len(DEMO_PHONES), partners=partners, city=city)


async def _demo_partners(session, settings: Settings, registry) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    from service.partners.admin import add_partner
    from service.partners.crypto import SecretBox
    from service.partners.repository import PartnerRepository

    path = Path(settings.data_dir) / DEMO_PARTNERS_FILE
    known: dict[str, dict[str, Any]] = json.loads(path.read_text()) if path.exists() else {}
    box = SecretBox(settings.auth.secrets_key.get_secret_value())  # type: ignore[union-attr]
    repo = PartnerRepository(session)
    for methodology_id in registry.ids():
        name = f"Demo partner: {methodology_id}"
        if await repo.partner_by_name(name) is not None:
            continue  # seeded by an earlier start: its secret is in the file already
        created = await add_partner(session, box, registry, name, [methodology_id])
        known[methodology_id] = {"id": created.id, "secret": created.secret}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(known, indent=2))
    path.chmod(0o600)
    return known
