"""A plausible demo city for ``tanbi serve --demo``: residents across Gongqingcheng's districts, a season of
reports from a partner for every methodology through the real pipeline, a merchant with approved offers,
and a city user.

Events enter exactly as a partner's webhook would deliver them after its signature check (``Ingest.accept``:
validation, identifier hashing, de-duplication, the outbox) and are credited by the processing job (the batch
credit path), so the roll-ups, wallets and the dashboard show what the pipeline made of them. Seeded once: a
later start finds the residents. The seeding says how far it got as it goes (``progress.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from service.db.base import table, utcnow
from service.db.dialect import dialect_for
from service.demo_city import season
from service.demo_city.progress import Progress
from service.demo_city.season import SEASON_DAYS, Scenario
from service.demo_city.shop import merchant_and_city_user, spending
from service.identity.models import Resident
from service.identity.service import keyed_hash
from service.jobs.context import JobContext
from service.jobs.queue import JobQueue, unit_of_work
from service.partners.ingest import PROCESS_JOB, Ingest, subject_hash
from service.partners.jobs import process_partner_events
from service.partners.models import Binding, Partner
from service.settings import Settings

RESIDENTS = 2000
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
# Who reports what over the season: the share of residents each partner knows, and how it reports one
# resident. Gongqingcheng has no metro; the few households with rooftop PV are the installer's.
SCENARIOS = {
    "bus_trip": Scenario(0.5, season.bus),
    "bike_share_ride": Scenario(0.25, season.bike),
    "ev_charging": Scenario(0.04, season.charging),
    "nev_driving": Scenario(0.008, season.odometer),
    "car_free_day": Scenario(0.04, season.parked),
    "rooftop_solar": Scenario(0.0065, season.generation),
    "household_power_saving": Scenario(0.05, season.power_saving),
    "recyclables_dropoff": Scenario(0.06, season.recycling),
    "online_bill": Scenario(0.08, season.bills),
    "e_invoice": Scenario(0.08, season.invoices),
    "no_cutlery_order": Scenario(0.08, season.takeaway),
    "reusable_bag": Scenario(0.06, season.shopping),
    "second_hand_phone": Scenario(0.004, season.phone),
}
# The residents one can sign in as use many of the city's services, week after week, so their screens
# (footprint, medals, the inbox, the year's report) have months of history: each of these partners knows
# them, and makes their season SIGN_IN_ROUNDS times over (a repeat the checks refuse shows as a rejection).
SIGN_IN_SCENARIOS = (
    "bus_trip",
    "bike_share_ride",
    "online_bill",
    "e_invoice",
    "household_power_saving",
    "no_cutlery_order",
    "reusable_bag",
    "recyclables_dropoff",
)
SIGN_IN_ROUNDS = 6
CITY_FILE = "demo-city.json"


async def seed_city(
    settings: Settings,
    database: Any,
    queue: JobQueue,
    registry: Any,
    partners: dict[str, Any],
    sign_in: list[int] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    path = Path(settings.data_dir) / CITY_FILE
    if path.exists():
        return json.loads(path.read_text())
    rng = random.Random(2026)  # noqa: S311 - demo data, reproducible on purpose
    hash_key = settings.auth.hash_key.get_secret_value().encode()  # type: ignore[union-attr]
    today = utcnow().astimezone(settings.zone).date()
    scenarios = {m: s for m, s in SCENARIOS.items() if m in partners and m in registry.ids()}
    progress = Progress()
    async with unit_of_work(database, queue) as session:
        residents = await _residents(session, hash_key, rng)
        subjects = await _bindings(session, hash_key, partners, residents, list(sign_in), scenarios, rng)
        await _pv_systems(session, registry, hash_key, partners, subjects.get("rooftop_solar", []), rng)
    bound = sum(len(s) for s in subjects.values())
    progress.step(f"seeding the demo city once: {len(residents):,} residents, {bound:,} partner accounts")
    busy = {f"user-{r}" for r in sign_in}
    events = {m: _events(m, scenarios[m], subjects[m], today, settings, rng, busy) for m in scenarios}
    count = sum(len(batch) for batch in events.values())
    arrived = await _deliver(settings, database, registry, hash_key, partners, events)
    progress.step(f"{count:,} partner events over {SEASON_DAYS} days received; crediting them")
    await _credit(settings, database, queue, registry, arrived, progress)
    extra = await merchant_and_city_user(settings, database, queue)
    tea = extra.pop("tea")
    spent = await spending(settings, database, queue, extra["merchant"]["id"], tea, rng)
    spent["sign_in_vouchers"] = await _sign_in_vouchers(
        settings, database, queue, extra["merchant"]["id"], tea, list(sign_in)
    )
    summary = {"residents": len(residents), "events": count, "season_days": SEASON_DAYS} | spent | extra
    path.write_text(json.dumps(summary, indent=2))
    path.chmod(0o600)
    return summary


async def _deliver(
    settings: Settings,
    database: Any,
    registry: Any,
    hash_key: bytes,
    partners: dict[str, Any],
    events: dict[str, list[tuple[dt.datetime, dict[str, Any]]]],
) -> list[int]:
    """Every delivery of the season through ``Ingest.accept``; the stored events' ids, in arrival order.

    Partners send each day's reports early the next morning, after the last charging session ended, or
    when their records are complete (a month's meter reading); freshness is judged at arrival. One
    transaction for the season, not a commit per delivery.
    """
    now = utcnow()
    arrivals = _Arrivals()
    async with unit_of_work(database, arrivals) as session:
        for methodology, batch in events.items():
            partner = await session.get(Partner, partners[methodology]["id"])
            ingest = Ingest(session, registry, hash_key, settings.partners.batch_size)
            for sent, chunk in sorted(_by_delivery(batch).items()):
                delivery = f"demo:{methodology}:{sent.isoformat()}"
                await ingest.accept(partner, delivery, {"events": chunk}, min(sent, now))
    return arrivals.event_ids


class _Arrivals:
    """A ``JobQueue`` that keeps the processing jobs the deliveries queue instead of running them.

    Run as queued, the season would be a thousand jobs of four events, a transaction each; the demo runs
    their events in the same order, through the same job, a full batch per transaction.
    """

    def __init__(self) -> None:
        self.event_ids: list[int] = []

    async def enqueue(self, name: str, **kwargs: Any) -> bool:
        assert name == PROCESS_JOB, name  # delivering events queues nothing else
        self.event_ids += kwargs["event_ids"]
        return True

    async def close(self) -> None:
        return None


async def _credit(
    settings: Settings,
    database: Any,
    queue: JobQueue,
    registry: Any,
    event_ids: list[int],
    progress: Progress,
) -> None:
    """Credit the season as the processing job does, ``batch_size`` events a transaction, in arrival order:
    the batch credit path decides exactly what recording them one by one in that order would."""
    context: JobContext = {"settings": settings, "database": database, "queue": queue, "registry": registry}
    step = settings.partners.batch_size
    for start in range(0, len(event_ids), step):
        await process_partner_events(context, event_ids[start : start + step])
        progress.count(min(start + step, len(event_ids)), len(event_ids), "events credited")


async def _residents(session: Any, hash_key: bytes, rng: random.Random) -> list[int]:
    """The residents, in one statement (the ORM inserts them one at a time on SQLite: it needs each id)."""
    districts, weights = list(DISTRICT_WEIGHTS), list(DISTRICT_WEIGHTS.values())
    count = int(os.environ.get("TANBI_DEMO_RESIDENTS", RESIDENTS))  # smaller for quick sandboxes and tests
    bulk, now = dialect_for(session), utcnow()
    ids = await bulk.next_ids(table(Resident), count)
    rows = [
        {
            "id": resident_id,
            "phone_hash": keyed_hash(hash_key, f"1391{n:07d}"),
            "district": rng.choices(districts, weights)[0],
            "created_at": now,
        }
        for n, resident_id in enumerate(ids)
    ]
    await bulk.insert(table(Resident), rows)
    return ids


async def _bindings(
    session: Any,
    hash_key: bytes,
    partners: dict[str, Any],
    residents: list[int],
    sign_in: list[int],
    scenarios: dict[str, Scenario],
    rng: random.Random,
) -> dict[str, list[str]]:
    """Residents bound at the partners that know them (as if each had redeemed a link token). A carmaker's
    drivers are among the charge-point operator's: their EVs have two crediting routes. The sign-in
    residents are known to every partner of ``SIGN_IN_SCENARIOS``."""
    subjects: dict[str, list[str]] = {}
    rows: list[dict[str, Any]] = []
    now = utcnow()
    for methodology, scenario in scenarios.items():
        partner_id = partners[methodology]["id"]
        pool = residents
        if methodology == "nev_driving" and "ev_charging" in subjects:
            pool = [int(s.removeprefix("user-")) for s in subjects["ev_charging"]]
        share = scenario.share * len(residents) / max(len(pool), 1)
        known = [r for r in pool if rng.random() < share]
        if methodology in SIGN_IN_SCENARIOS:
            known += sign_in
        subjects[methodology] = [f"user-{r}" for r in known]
        rows += [
            {
                "partner_id": partner_id,
                "subject_hash": subject_hash(hash_key, partner_id, f"user-{r}"),
                "resident_id": r,
                "created_at": now,
            }
            for r in known
        ]
    await dialect_for(session).insert(table(Binding), rows)
    return subjects


async def _pv_systems(
    session: Any,
    registry: Any,
    hash_key: bytes,
    partners: dict[str, Any],
    subjects: list[str],
    rng: random.Random,
) -> None:
    """The installer records each system it put up, from its own register, for the resident who owns it."""
    from service.actions.assets import record_partner_asset

    installer = partners["rooftop_solar"]["id"]
    for subject in subjects:
        attributes = {
            "capacity_kwp": str(season.capacity_kwp(subject)),
            "latitude": 29.25 + rng.uniform(-0.05, 0.05),  # Gongqingcheng
            "longitude": 115.81 + rng.uniform(-0.05, 0.05),
            "tilt_deg": rng.choice((15, 20, 25)),
            "azimuth_deg": rng.choice((165, 180, 195)),
            "grid_connected_on": f"2025-{rng.randint(3, 12):02d}-01",
        }
        owner = int(subject.removeprefix("user-"))
        await record_partner_asset(
            session,
            registry,
            installer,
            subject_hash(hash_key, installer, subject),
            owner,
            "pv_system",
            season.pv_ref(subject),
            attributes,
        )


async def _sign_in_vouchers(
    settings: Settings, database: Any, queue: JobQueue, merchant_id: int, offer_id: int, sign_in: list[int]
) -> int:
    """Each sign-in resident has had a cup of tea (a voucher consumed at the counter) and holds another, as
    far as the offer's per-resident limit allows beside what the shop's other spending gave them."""
    from service.merchants.models import Offer, Voucher
    from service.merchants.vouchers import LIVE, claim, consume

    now, claimed = utcnow(), 0
    async with unit_of_work(database, queue) as session:
        limit = (await session.get(Offer, offer_id)).per_resident_limit  # type: ignore[union-attr]
        for resident_id in sign_in:
            taken = await session.scalar(
                sa.select(sa.func.count())
                .select_from(Voucher)
                .where(
                    Voucher.offer_id == offer_id, Voucher.resident_id == resident_id, Voucher.status.in_(LIVE)
                )
            )
            for n in range(int(taken or 0), min(limit, 2)):
                voucher = await claim(session, settings, resident_id, offer_id, now)
                if n == 0:
                    await consume(session, settings, merchant_id, voucher.code, now)
                claimed += 1
    return claimed


def _by_delivery(events: list[tuple[dt.datetime, dict[str, Any]]]) -> dict[dt.datetime, list[dict[str, Any]]]:
    deliveries: dict[dt.datetime, list[dict[str, Any]]] = {}
    for sent, event in events:
        deliveries.setdefault(sent, []).append(event)
    return deliveries


def _events(
    methodology: str,
    scenario: Scenario,
    subjects: list[str],
    today: dt.date,
    settings: Settings,
    rng: random.Random,
    busy: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[tuple[dt.datetime, dict[str, Any]]]:
    """Each subject's reports for the season as the partner would send them, with when it sends them (a
    ``busy`` subject's season made ``SIGN_IN_ROUNDS`` times over)."""
    out = []
    for subject in subjects:
        made = [
            item
            for _ in range(SIGN_IN_ROUNDS if subject in busy else 1)
            for item in scenario.make(subject, today, settings.zone, rng)
        ]
        for n, (evidence, occurred, sent) in enumerate(made):
            event = {"id": f"{subject}:{methodology}:{n}", "type": methodology, "subject": subject}
            event |= {"occurred_at": occurred.isoformat(), "evidence": evidence}
            next_morning = dt.datetime.combine(
                occurred.astimezone(settings.zone).date(), dt.time(6), settings.zone
            )
            out.append((sent or next_morning + dt.timedelta(days=1), event))
    return out
