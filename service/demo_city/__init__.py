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
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa

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
# Who reports what over the season: the share of residents each partner knows, and the most reports one
# resident sends (Gongqingcheng has no metro). The few PV owners' installers report every week instead.
SCENARIOS = {
    "bus_trip": (1.0, 2),
    "bike_share_ride": (0.5, 2),
    "ev_charging": (0.06, 4),
    "car_free_day": (0.04, 2),
    "rooftop_solar": (0.005, 0),
}
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
        subjects = await _bindings(session, hash_key, partners, residents, rng)
        await _pv_systems(session, registry, subjects.get("rooftop_solar", []), rng)
    events = {m: _events(m, subjects[m], today, settings, rng) for m in SCENARIOS if m in subjects}
    count = sum(len(batch) for batch in events.values())
    print(  # the embedded credit path takes ~30 ms an event: say why the first start is slow
        f"demo: seeding the demo city once: {len(residents)} residents, {count} partner events over "
        f"{SEASON_DAYS} days through the real pipeline (about {max(1, round(count / 2000))} min)...",
        file=sys.stderr,
        flush=True,
    )
    # Partners report each day's events early the next morning, after the last charging session ended
    # (freshness is judged at arrival); one transaction for the season, not a commit per delivery.
    now = utcnow()
    async with unit_of_work(database, queue) as session:
        for methodology, batch in events.items():
            partner = await session.get(Partner, partners[methodology]["id"])
            ingest = Ingest(session, registry, hash_key, settings.partners.batch_size)
            for day, chunk in sorted(_by_day(batch).items()):
                morning = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(6), settings.zone)
                sent = min(morning + dt.timedelta(days=1), now)
                await ingest.accept(partner, f"demo:{methodology}:{day}", {"events": chunk}, sent)
    if hasattr(queue, "drain"):  # in-process jobs: credit the season before the service opens
        await queue.drain()
    extra = await _merchant_and_city_user(settings, database, queue)
    spent = await _spending(settings, database, queue, extra["merchant"]["id"], extra.pop("tea"), rng)
    summary = {"residents": len(residents), "events": count} | spent | extra
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
    session: Any, hash_key: bytes, partners: dict[str, Any], residents: list[int], rng: random.Random
) -> dict[str, list[str]]:
    """Residents bound at the partners that know them (as if each had redeemed a link token)."""
    subjects: dict[str, list[str]] = {}
    for methodology, (share, _) in SCENARIOS.items():
        if methodology not in partners:
            continue
        partner_id = partners[methodology]["id"]
        known = [r for r in residents if rng.random() < share]
        subjects[methodology] = [f"user-{r}" for r in known]
        session.add_all(
            Binding(
                partner_id=partner_id,
                subject_hash=subject_hash(hash_key, partner_id, f"user-{r}"),
                resident_id=r,
                created_at=utcnow(),
            )
            for r in known
        )
    await session.flush()
    return subjects


def _by_day(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    by_day: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_day.setdefault(event["occurred_at"][:10], []).append(event)
    return by_day


def _events(
    methodology: str, subjects: list[str], today: dt.date, settings: Settings, rng: random.Random
) -> list[dict[str, Any]]:
    """Each subject's reports for the season, as the partner would send them."""
    if methodology == "rooftop_solar":
        return _generation(subjects, today, settings.zone, rng)
    make = EVIDENCE[methodology]
    out = []
    for subject in subjects:
        days = rng.sample(range(1, SEASON_DAYS), rng.randint(0, SCENARIOS[methodology][1]))
        for n, back in enumerate(days):
            evidence, occurred = make(today - dt.timedelta(days=back), settings.zone, subject, rng)
            event = {"id": f"{subject}:{n}", "type": methodology, "subject": subject}
            out.append(event | {"occurred_at": occurred.isoformat(), "evidence": evidence})
    return out


Made = tuple[dict[str, Any], dt.datetime]  # evidence, and when the partner says it occurred


def _trip(day: dt.date, zone: Any, rng: random.Random) -> tuple[dt.datetime, dt.datetime, int]:
    start = dt.datetime.combine(day, dt.time(7 + rng.randrange(12), rng.randrange(60)), zone)
    metres = rng.randint(1500, 9000)
    return start, start + dt.timedelta(minutes=metres // 250 + rng.randint(3, 12)), metres  # ~15 km/h


def _bus(day: dt.date, zone: Any, subject: str, rng: random.Random) -> Made:
    start, end, metres = _trip(day, zone, rng)
    route = f"{rng.randint(1, 12)}"
    evidence = {"boarded_at": start, "alighted_at": end, "distance_m": metres, "route_id": route}
    return _iso(evidence), start


def _bike(day: dt.date, zone: Any, subject: str, rng: random.Random) -> Made:
    start, end, metres = _trip(day, zone, rng)
    bike = f"GQ{rng.randrange(10**5):05d}"
    evidence = {"started_at": start, "ended_at": end, "distance_m": metres, "bike_id": bike}
    return _iso(evidence), start


def _charging(day: dt.date, zone: Any, subject: str, rng: random.Random) -> Made:
    start = dt.datetime.combine(day, dt.time(rng.choice((8, 12, 19, 21)), rng.randrange(60)), zone)
    power = rng.choice((7, 7, 11, 60))
    hours = rng.uniform(0.6, 3.0)
    energy = round(min(power * hours * 0.9, rng.uniform(12, 45)), 3)
    evidence = {
        "session_id": f"CDR-{subject}-{day:%Y%m%d}",
        "started_at": start,
        "ended_at": start + dt.timedelta(hours=hours),
        "energy_kwh": str(energy),
        "max_power_kw": str(power),
        "evse_id": f"CN*GQC*E{rng.randrange(10**4):04d}",
    }
    return _iso(evidence), start


def _parked(day: dt.date, zone: Any, subject: str, rng: random.Random) -> Made:
    odometer = round(rng.uniform(20_000, 80_000), 1)
    evidence = {
        "vehicle_ref": f"plate-{subject}",
        "fuel": "gasoline",
        "date": day.isoformat(),
        "odometer_start_km": str(odometer),
        "odometer_end_km": str(odometer + round(rng.uniform(0, 0.4), 1)),
    }
    return evidence, dt.datetime.combine(day, dt.time(4, 0), tzinfo=dt.UTC)


async def _pv_systems(session: Any, registry: Any, subjects: list[str], rng: random.Random) -> None:
    from service.actions.assets import register_asset

    for subject in subjects:
        attributes = {
            "capacity_kwp": str(_capacity(subject)),
            "latitude": 29.25 + rng.uniform(-0.05, 0.05),  # Gongqingcheng
            "longitude": 115.81 + rng.uniform(-0.05, 0.05),
            "tilt_deg": rng.choice((15, 20, 25)),
            "azimuth_deg": rng.choice((165, 180, 195)),
            "grid_connected_on": f"2025-{rng.randint(3, 12):02d}-01",
        }
        await register_asset(session, registry, _resident(subject), "pv_system", _pv_ref(subject), attributes)


def _generation(subjects: list[str], today: dt.date, zone: Any, rng: random.Random) -> list[dict[str, Any]]:
    """Weekly meter readings (Monday to Monday) of each system, reported the day a week ends."""
    monday = today - dt.timedelta(days=today.weekday())
    weeks = [monday - dt.timedelta(weeks=n) for n in range(SEASON_DAYS // 7, 0, -1)]
    out = []
    for subject in subjects:
        for n, start in enumerate(weeks):
            begin = dt.datetime.combine(start, dt.time(0), zone)
            end = begin + dt.timedelta(days=7)
            kwh = _capacity(subject) * rng.uniform(1.6, 3.2) * 7  # autumn at 29 N: 1.6-3.2 kWh/kWp a day
            evidence = {
                "system_id": _pv_ref(subject),
                "period_start": begin.isoformat(),
                "period_end": end.isoformat(),
                "energy_kwh": f"{kwh:.3f}",
            }
            event = {"id": f"{subject}:pv:{n}", "type": "rooftop_solar", "subject": subject}
            out.append(event | {"occurred_at": end.isoformat(), "evidence": evidence})
    return out


def _resident(subject: str) -> int:
    return int(subject.removeprefix("user-"))


def _capacity(subject: str) -> int:
    return (3, 5, 6, 8, 10)[_resident(subject) % 5]  # kWp


def _pv_ref(subject: str) -> str:
    return f"PV-GQ-{_resident(subject):06d}"


EVIDENCE = {"bus_trip": _bus, "bike_share_ride": _bike, "ev_charging": _charging, "car_free_day": _parked}


def _iso(evidence: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in evidence.items()}


async def _merchant_and_city_user(settings: Settings, database: Any, queue: JobQueue) -> dict[str, Any]:
    from service.identity.city_users import add_city_user
    from service.merchants.admin import add_merchant
    from service.merchants.models import Offer

    now = utcnow()
    async with unit_of_work(database, queue) as session:
        merchant_id, merchant_key = await add_merchant(session, "青城茶社 Qingcheng Tea House")
        offers = []
        for title, price, stock in (("绿茶一杯 A cup of green tea", 30, 800), ("帆布袋 Canvas tote", 80, 50)):
            offers.append(
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
        session.add_all(offers)
        await session.flush()
        city_id, city_key = await add_city_user(session, "Demo city office", "city")
    return {
        "merchant": {"id": merchant_id, "api_key": merchant_key},
        "city_user": {"id": city_id, "api_key": city_key},
        "tea": offers[0].id,
    }


async def _spending(
    settings: Settings, database: Any, queue: JobQueue, merchant_id: int, offer_id: int, rng: random.Random
) -> dict[str, int]:
    """Some residents spend at the tea house: a voucher for a cup (most consumed at the counter, some still
    held), and a pay-code charge for a few coins more; through the same code as the API's."""
    from service.ledger.models import Account, AccountKind
    from service.merchants.paycodes import charge, issue_paycode
    from service.merchants.vouchers import claim, consume

    now, counts = utcnow(), {"vouchers": 0, "consumed": 0, "charges": 0}
    async with unit_of_work(database, queue) as session:
        wallets = await session.scalars(
            sa.select(Account.owner_id)
            .where(Account.kind == AccountKind.WALLET, Account.balance >= 60)
            .order_by(Account.owner_id)
        )
        for resident_id in wallets.all():
            if rng.random() >= 0.3:
                continue
            voucher = await claim(session, settings, resident_id, offer_id, now)
            counts["vouchers"] += 1
            if rng.random() < 0.8:
                await consume(session, settings, merchant_id, voucher.code, now)
                counts["consumed"] += 1
            if rng.random() < 0.3:
                paycode = await issue_paycode(session, settings, resident_id, now)
                await charge(session, settings, merchant_id, paycode.code, 20, f"demo-{resident_id}", now)
                counts["charges"] += 1
    return counts
