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
from service.demo_city.benefits import seed_benefits
from service.donations.demo import seed_welfare
from service.identity.repository import IdentityRepository
from service.identity.service import keyed_hash
from service.jobs.queue import JobQueue, unit_of_work
from service.ledger.service import Credit, IssueMode, Ledger
from service.registry.demo import conservative_solar, seed_registry
from service.settings import Settings

DEMO_PHONES = tuple(f"1380000{n:04d}" for n in range(1, 6))
DEMO_COINS = 500
# Where the five residents one can sign in as live (two share a district, so it has neighbours to rank).
DEMO_DISTRICTS = ("chashan", "chashan", "jinhu", "ganlu", "jiangyi")


DEMO_PARTNERS_FILE = "demo-partners.json"
# The partner that would report each methodology in a city like Gongqingcheng (the demo's own names).
PARTNER_NAMES = {
    "bus_trip": "共青城公交集团 Gongqingcheng Bus Group",
    "metro_trip": "南昌轨道交通 Nanchang Metro",
    "bike_share_ride": "青城单车 Qingcheng Bike Share",
    "ev_charging": "赣电充电 Gandian EV Charging",
    "nev_driving": "某车企车联网平台 Carmaker telematics platform",
    "car_free_day": "车险里程服务 Motor insurer mileage service",
    "rooftop_solar": "鄱湖光伏安装 Pohu Solar Installers",
    "household_power_saving": "国网共青城供电公司 State Grid Gongqingcheng",
    "online_bill": "国网共青城供电公司（电费） State Grid Gongqingcheng bills",
    "e_invoice": "电子发票服务平台 E-invoice platform",
    "no_cutlery_order": "外卖平台 Takeaway platform",
    "reusable_bag": "青城超市 Qingcheng Supermarket",
    "second_hand_phone": "二手交易平台 Resale platform",
    "recyclables_dropoff": "智能回收站 Smart recycling stations",
}


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
        welcome, sign_in = [], []
        for n, phone in enumerate(DEMO_PHONES, start=1):
            resident = await identities.ensure_resident_by_phone_hash(keyed_hash(hash_key, phone), utcnow())
            resident.district = resident.district or DEMO_DISTRICTS[n - 1]
            sign_in.append(resident.id)
            key = f"demo:welcome:{resident.id}"
            welcome.append(Credit(resident.id, DEMO_COINS * n, key, "demo welcome coins", "demo_credit"))
        # CHECKED: every start seeds again, and the keys of an earlier start replay instead of paying twice.
        await Ledger(session, settings.ledger, settings.zone).issue(welcome, mode=IssueMode.CHECKED)
        partners = await _demo_partners(session, settings, registry) if registry is not None else {}
    if registry is not None:
        await conservative_solar(settings, database, queue, registry)
    city = (
        await seed_city(settings, database, queue, registry, partners, sign_in)
        if registry is not None
        else {}
    )
    if registry is not None:
        city["registry"] = await seed_registry(settings, database, queue, registry)
    await seed_welfare(settings, database, queue, sign_in)
    await seed_benefits(database, queue)
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
        name = f"Demo partner: {PARTNER_NAMES.get(methodology_id, methodology_id)}"
        if await repo.partner_by_name(name) is not None:
            continue  # seeded by an earlier start: its secret is in the file already
        # The charge-point operator also sends OCPI CDRs: its token is printed with the secrets.
        ocpi = methodology_id == "ev_charging"
        created = await add_partner(
            session,
            box,
            registry,
            name,
            [methodology_id],
            ocpi=ocpi,
            ocpi_vehicle_kind="private_car" if ocpi else None,
        )
        known[methodology_id] = {"id": created.id, "secret": created.secret, "name": name}
        if created.ocpi_token:
            known[methodology_id]["ocpi_token"] = created.ocpi_token
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(known, indent=2))
    path.chmod(0o600)
    return known
