"""A season of partner reports for the demo city: what each partner would send about the residents it knows.

Each scenario says which share of residents a partner knows, and makes one resident's reports over the
season as that partner would: trips on random days, the installer's weekly meter readings, the carmaker's
fortnightly odometer, the grid company's monthly bills... Activity is plausible for a small town; nothing is
tuned to a share of the total: what keeps one methodology from dominating is its caps (a rooftop's
uncapped generation would be more than half of everything).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

SEASON_DAYS = 90
# Evidence, when the partner says it occurred, and when the partner sends it (None: early the next morning,
# after the last charging session of the day has ended).
Made = tuple[dict[str, Any], dt.datetime, dt.datetime | None]
Maker = Callable[[str, dt.date, Any, random.Random], list[Made]]


@dataclass(frozen=True)
class Scenario:
    share: float  # of residents the partner knows (bound at it)
    make: Maker  # one resident's reports over the season


def _days(today: dt.date, rng: random.Random, most: int) -> list[dt.date]:
    """Up to ``most`` distinct days of the season (not today: partners report a day after it ends)."""
    return [
        today - dt.timedelta(days=back) for back in rng.sample(range(1, SEASON_DAYS), rng.randint(0, most))
    ]


def _at(day: dt.date, zone: Any, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), zone)


def _iso(evidence: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, (dt.datetime, dt.date)) else v for k, v in evidence.items()}


def _number(subject: str) -> int:
    return int(subject.removeprefix("user-"))


# 公交出行 ---------------------------------------------------------------------------------------------
def _trip(day: dt.date, zone: Any, rng: random.Random) -> tuple[dt.datetime, dt.datetime, int]:
    start = _at(day, zone, 7 + rng.randrange(12), rng.randrange(60))
    metres = rng.randint(1500, 9000)
    return start, start + dt.timedelta(minutes=metres // 250 + rng.randint(3, 12)), metres  # ~15 km/h


def bus(subject: str, today: dt.date, zone: Any, rng: random.Random) -> list[Made]:
    out = []
    for day in _days(today, rng, 3):
        start, end, metres = _trip(day, zone, rng)
        evidence = {
            "boarded_at": start,
            "alighted_at": end,
            "distance_m": metres,
            "route_id": str(rng.randint(1, 12)),
        }
        out.append((_iso(evidence), start, None))
    return out


def bike(subject: str, today: dt.date, zone: Any, rng: random.Random) -> list[Made]:
    out = []
    for day in _days(today, rng, 2):
        start, end, metres = _trip(day, zone, rng)
        evidence = {
            "started_at": start,
            "ended_at": end,
            "distance_m": metres,
            "bike_id": f"GQ{rng.randrange(10**5):05d}",
        }
        out.append((_iso(evidence), start, None))
    return out


# 新能源汽车使用 -----------------------------------------------------------------------------------------
def charging(subject: str, today: dt.date, zone: Any, rng: random.Random) -> list[Made]:
    out = []
    for day in _days(today, rng, 4):
        start = _at(day, zone, rng.choice((8, 12, 19, 21)), rng.randrange(60))
        power = rng.choice((7, 7, 11, 60))
        hours = rng.uniform(0.6, 3.0)
        energy = round(min(power * hours * 0.9, rng.uniform(12, 45)), 3)
        evidence = {
            "session_id": f"CDR-{subject}-{day:%Y%m%d}",
            "started_at": start,
            "ended_at": start + dt.timedelta(hours=hours),
            "energy_kwh": str(energy),
            "max_power_kw": str(power),
            "evse_id": f"CN*GQC*E{_number(subject) % 400:04d}",  # a home-area charger, shared by neighbours
            "vehicle_kind": "private_car",
        }
        out.append((_iso(evidence), start, None))
    return out


def odometer(subject: str, today: dt.date, zone: Any, rng: random.Random) -> list[Made]:
    """The carmaker's platform reports each fortnight (Monday to Monday) the day after it ends."""
    monday = today - dt.timedelta(days=today.weekday())
    reading = Decimal(rng.randint(8_000, 60_000))
    out = []
    for n in range(SEASON_DAYS // 14, 0, -1):
        begin = _at(monday - dt.timedelta(weeks=2 * n), zone, 0, 0)
        km = Decimal(rng.randint(120, 420))
        evidence = {
            "vin": f"LGXCE4CB{_number(subject):09d}",
            "powertrain": "bev",
            "vehicle_use": "private",
            "period_start": begin,
            "period_end": begin + dt.timedelta(weeks=2),
            "odometer_start_km": str(reading),
            "odometer_end_km": str(reading + km),
        }
        reading += km
        out.append((_iso(evidence), begin + dt.timedelta(weeks=2), None))
    return out


# 燃油车停驶 ---------------------------------------------------------------------------------------------
def parked(subject: str, today: dt.date, zone: Any, rng: random.Random) -> list[Made]:
    typical = rng.uniform(12, 40)
    out = []
    for day in _days(today, rng, 3):
        odometer = Decimal(str(round(rng.uniform(20_000, 80_000), 1)))
        history = [f"{max(0.0, rng.gauss(typical, typical / 3)):.1f}" for _ in range(rng.randint(45, 90))]
        evidence = {
            "plate": f"赣G{_number(subject):05d}",
            "fuel": "gasoline",
            "date": day,
            "odometer_start_km": str(odometer),
            "odometer_end_km": str(odometer + Decimal(str(round(rng.uniform(0, 0.4), 1)))),
            "prior_daily_km": history,
        }
        out.append((_iso(evidence), dt.datetime.combine(day, dt.time(4, 0), tzinfo=dt.UTC), None))
    return out


# 低碳社区/校园 -----------------------------------------------------------------------------------------
def capacity_kwp(subject: str) -> int:
    return (3, 5, 6, 8, 10)[_number(subject) % 5]


def pv_ref(subject: str) -> str:
    return f"PV-GQ-{_number(subject):06d}"


def generation(subject: str, today: dt.date, zone: Any, rng: random.Random) -> list[Made]:
    """The installer's weekly meter readings (Monday to Monday), reported the day a week ends."""
    monday = today - dt.timedelta(days=today.weekday())
    out = []
    for n in range(SEASON_DAYS // 7, 0, -1):
        begin = _at(monday - dt.timedelta(weeks=n), zone, 0, 0)
        end = begin + dt.timedelta(days=7)
        kwh = capacity_kwp(subject) * rng.uniform(1.6, 3.2) * 7  # autumn at 29 N: 1.6-3.2 kWh/kWp a day
        evidence = {
            "system_id": pv_ref(subject),
            "period_start": begin,
            "period_end": end,
            "energy_kwh": f"{kwh:.3f}",
            "gec_issued_kwh": "0",
        }
        out.append((_iso(evidence), end, None))
    return out


def _months_back(today: dt.date, count: int) -> list[str]:
    """The last ``count`` whole months before today's, oldest first (YYYY-MM)."""
    index = today.year * 12 + today.month - 1
    return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(index - count, index)]


def power_saving(subject: str, today: dt.date, zone: Any, rng: random.Random) -> list[Made]:
    """The grid company's monthly reading of a household, with its year of history, after the month ends."""
    usual = rng.uniform(150, 320)
    season = {m: 1.0 + 0.25 * (m in (1, 2, 7, 8)) for m in range(1, 13)}
    out = []
    for month in _months_back(today, 2):
        year, number = map(int, month.split("-"))
        previous = []
        for back in range(1, 13):
            index = year * 12 + number - 1 - back
            m = index % 12 + 1
            previous.append(
                {"month": f"{index // 12}-{m:02d}", "kwh": f"{usual * season[m] * rng.uniform(0.9, 1.1):.1f}"}
            )
        kwh = usual * season[number] * rng.uniform(0.85, 1.12)  # some months below the baseline, some above
        evidence = {
            "account": f"3604{_number(subject):09d}",
            "month": month,
            "kwh": f"{kwh:.1f}",
            "previous_months": previous,
            "has_pv": False,
            "tariff_tier": 1,
        }
        following = dt.date(year + number // 12, number % 12 + 1, 1)
        read = _at(following + dt.timedelta(days=rng.randint(3, 8)), zone, 6, 0)  # read and billed
        out.append((evidence, dt.datetime(year, number, 15, 4, 0, tzinfo=dt.UTC), read))
    return out


def recycling(subject: str, today: dt.date, zone: Any, rng: random.Random) -> list[Made]:
    out = []
    for n, day in enumerate(_days(today, rng, 3)):
        at = _at(day, zone, rng.randint(8, 20), rng.randrange(60))
        items = [{"material": "paper", "kg": f"{rng.uniform(1, 6):.3f}"}]
        if rng.random() < 0.6:
            items.append({"material": "plastic", "kg": f"{rng.uniform(0.3, 2):.3f}"})
        if rng.random() < 0.2:
            items.append({"material": "aluminium", "kg": f"{rng.uniform(0.1, 0.6):.3f}"})
        evidence = {
            "ticket": f"RB-{day:%Y%m%d}-{_number(subject):05d}{n}",
            "station_id": f"JX-GQ-{_number(subject) % 12:03d}",
            "dropped_at": at,
            "items": items,
        }
        out.append((_iso(evidence), at, None))
    return out


# 在线缴费 ---------------------------------------------------------------------------------------------
def bills(subject: str, today: dt.date, zone: Any, rng: random.Random) -> list[Made]:
    """The power company's paperless bills, paid online in the first days of the next month."""
    out = []
    for month in _months_back(today, 2):
        year, number = map(int, month.split("-"))
        following = dt.date(year + number // 12, number % 12 + 1, 1)
        paid = _at(
            following + dt.timedelta(days=rng.randint(2, 12)), zone, rng.randint(8, 22), rng.randrange(60)
        )
        if paid.date() >= today:
            continue
        evidence = {
            "utility": "electricity",
            "account": f"3604{_number(subject):09d}",
            "billing_month": month,
            "paid_at": paid,
            "amount_fen": rng.randint(6000, 30000),
            "paperless": True,
        }
        out.append((_iso(evidence), paid, None))
    return out


# 低碳消费 ---------------------------------------------------------------------------------------------
def phone(subject: str, today: dt.date, zone: Any, rng: random.Random) -> list[Made]:
    day = today - dt.timedelta(days=rng.randint(2, 28))  # reported after the platform's return window
    at = _at(day, zone, rng.randint(9, 21), rng.randrange(60))
    evidence = {"imei": f"8601{_number(subject):011d}", "bought_at": at, "condition": "used"}
    return [(_iso(evidence), at, None)]


def invoices(subject: str, today: dt.date, zone: Any, rng: random.Random) -> list[Made]:
    out = []
    for n, day in enumerate(_days(today, rng, 4)):
        at = _at(day, zone, rng.randint(9, 21), rng.randrange(60))
        invoice = f"2636{day:%Y%m%d}{_number(subject):06d}{n}"
        out.append(({"invoice": invoice, "issued_at": at.isoformat()}, at, None))
    return out


def takeaway(subject: str, today: dt.date, zone: Any, rng: random.Random) -> list[Made]:
    out = []
    for n, day in enumerate(_days(today, rng, 4)):
        at = _at(day, zone, rng.choice((11, 12, 18, 19)), rng.randrange(60))
        evidence = {"order": f"30{day:%Y%m%d}{_number(subject):06d}{n}", "ordered_at": at.isoformat()}
        out.append((evidence | {"no_cutlery": True}, at, None))
    return out


def shopping(subject: str, today: dt.date, zone: Any, rng: random.Random) -> list[Made]:
    out = []
    for n, day in enumerate(_days(today, rng, 3)):
        at = _at(day, zone, rng.randint(9, 21), rng.randrange(60))
        evidence = {"receipt": f"0127-{day:%Y%m%d}-{_number(subject):05d}{n}", "purchased_at": at.isoformat()}
        out.append((evidence | {"plastic_bags_bought": 0}, at, None))
    return out
