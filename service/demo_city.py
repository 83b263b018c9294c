"""A plausible demo city for ``tanbi serve --demo``: residents across Gongqingcheng's districts, a season of
partner events through the real pipeline, a merchant with approved offers, and a city user.

Events enter exactly as a partner's webhook would deliver them after its signature check (``Ingest.accept``:
validation, de-duplication, the outbox) and are credited by the processing jobs, so the roll-ups, wallets
and the dashboard show what the pipeline made of them. Seeded once: a later start finds the residents.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from pathlib import Path
from typing import Any

from service.db.base import utcnow
from service.identity.models import Resident
from service.identity.service import keyed_hash
from service.jobs.queue import JobQueue, unit_of_work
from service.partners.ingest import Ingest, subject_hash
from service.partners.models import Binding, Partner
from service.settings import Settings

RESIDENTS = 2000
SEASON_DAYS = 90
# Roughly how the city's residents split over its districts (the subdistrict is the town centre).
DISTRICT_WEIGHTS = {
    "chashan": 40,
    "ganlu": 15,
    "jiangyi": 15,
    "jinhu": 10,
    "sujiadang": 8,
    "zequan": 7,
    None: 5,
}
# Reports per resident over the season, by scenario.
TRIPS = {"bus_trip": 2, "bike_share_ride": 1}
CITY_FILE = "demo-city.json"


async def seed_city(
    settings: Settings, database: Any, queue: JobQueue, registry: Any, partners: dict[str, Any]
) -> dict[str, Any]:
    path = Path(settings.data_dir) / CITY_FILE
    if path.exists():
        return json.loads(path.read_text())
    rng = random.Random(2026)  # noqa: S311 - demo data, reproducible on purpose
    hash_key = settings.auth.hash_key.get_secret_value().encode()  # type: ignore[union-attr]
    today = utcnow().astimezone(settings.zone).date()
    async with unit_of_work(database, queue) as session:
        residents = await _residents(session, hash_key, rng)
        subjects = await _bindings(session, hash_key, partners, residents)
    events = {m: _events(m, subjects[m], today, settings, rng) for m in TRIPS if m in subjects}
    for methodology, batch in events.items():
        # Partners report as the season goes: each day's trips that evening (staleness is checked).
        by_day: dict[str, list[dict[str, Any]]] = {}
        for event in batch:
            by_day.setdefault(event["occurred_at"][:10], []).append(event)
        for day, chunk in sorted(by_day.items()):
            reported = max(dt.datetime.fromisoformat(e["occurred_at"]) for e in chunk) + dt.timedelta(
                minutes=5
            )
            async with unit_of_work(database, queue) as session:
                partner = await session.get(Partner, partners[methodology]["id"])
                await Ingest(session, registry, hash_key, settings.partners.batch_size).accept(
                    partner, f"demo:{methodology}:{day}", {"events": chunk}, reported
                )
    if hasattr(queue, "drain"):  # in-process jobs: credit the season before the service opens
        await queue.drain()
    extra = await _merchant_and_city_user(settings, database, queue)
    summary = {"residents": len(residents), "events": sum(len(b) for b in events.values())} | extra
    path.write_text(json.dumps(summary, indent=2))
    path.chmod(0o600)
    return summary


async def _residents(session: Any, hash_key: bytes, rng: random.Random) -> list[int]:
    districts, weights = list(DISTRICT_WEIGHTS), list(DISTRICT_WEIGHTS.values())
    count = int(os.environ.get("TANBI_DEMO_RESIDENTS", RESIDENTS))  # smaller for quick sandboxes and tests
    rows = [
        Resident(
            phone_hash=keyed_hash(hash_key, f"1391{n:07d}"),
            district=rng.choices(districts, weights)[0],
            created_at=utcnow(),
        )
        for n in range(count)
    ]
    session.add_all(rows)
    await session.flush()
    return [r.id for r in rows]


async def _bindings(
    session: Any, hash_key: bytes, partners: dict[str, Any], residents: list[int]
) -> dict[str, list[str]]:
    """Every resident bound at every trip partner (as if each had redeemed a link token)."""
    subjects: dict[str, list[str]] = {}
    for methodology in TRIPS:
        if methodology not in partners:
            continue
        partner_id = partners[methodology]["id"]
        subjects[methodology] = [f"user-{r}" for r in residents]
        session.add_all(
            Binding(
                partner_id=partner_id,
                subject_hash=subject_hash(hash_key, partner_id, f"user-{r}"),
                resident_id=r,
                created_at=utcnow(),
            )
            for r in residents
        )
    await session.flush()
    return subjects


def _events(
    methodology: str, subjects: list[str], today: dt.date, settings: Settings, rng: random.Random
) -> list[dict[str, Any]]:
    out = []
    for subject in subjects:
        for n in range(rng.randint(0, 2 * TRIPS[methodology])):
            day = today - dt.timedelta(days=rng.randrange(1, SEASON_DAYS))
            start = dt.datetime.combine(day, dt.time(7 + rng.randrange(12), rng.randrange(60)), settings.zone)
            metres = rng.randint(1500, 9000)
            minutes = metres // 250 + rng.randint(3, 12)  # about 15 km/h with stops
            end = start + dt.timedelta(minutes=minutes)
            if methodology == "bike_share_ride":
                evidence = {
                    "started_at": start.isoformat(),
                    "ended_at": end.isoformat(),
                    "distance_m": metres,
                    "bike_id": f"GQ{rng.randrange(10**5):05d}",
                }
            else:
                evidence = {
                    "boarded_at": start.isoformat(),
                    "alighted_at": end.isoformat(),
                    "distance_m": metres,
                    "route_id": f"{rng.randint(1, 12)}",
                }
            out.append(
                {
                    "id": f"{subject}:{n}",
                    "type": methodology,
                    "subject": subject,
                    "occurred_at": end.isoformat(),
                    "evidence": evidence,
                }
            )
    return out


async def _merchant_and_city_user(settings: Settings, database: Any, queue: JobQueue) -> dict[str, Any]:
    from service.identity.city_users import add_city_user
    from service.merchants.admin import add_merchant
    from service.merchants.models import Offer

    now = utcnow()
    async with unit_of_work(database, queue) as session:
        merchant_id, merchant_key = await add_merchant(session, "青城茶社 Qingcheng Tea House")
        for title, price, stock in (("绿茶一杯 A cup of green tea", 30, 200), ("帆布袋 Canvas tote", 80, 50)):
            session.add(
                Offer(
                    merchant_id=merchant_id,
                    title=title,
                    description="",
                    price=price,
                    stock_total=stock,
                    stock_left=stock,
                    per_resident_limit=2,
                    valid_from=now,
                    valid_until=now + dt.timedelta(days=180),
                    active=True,
                    approved_at=now,
                    approved_by="demo",
                    created_at=now,
                    updated_at=now,
                )
            )
        city_id, city_key = await add_city_user(session, "Demo city office", "city")
    return {
        "merchant": {"id": merchant_id, "api_key": merchant_key},
        "city_user": {"id": city_id, "api_key": city_key},
    }
