"""The city's summary: totals to date and this year, overall and by the plan's families, participants, coins,
and progress to targets (live scenarios are counted in families: the plan's "2-3 scenarios live by 2025")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from methodologies._sdk import FAMILIES
from service.city import periods
from service.city.models import ALL, FAMILY, RollupCounter, RollupParticipants, family_key
from service.city.suppression import PRIMARY
from service.city.targets import load_targets, progress
from service.ledger.models import Account, AccountKind
from service.methodology.registry import Registry
from service.settings import UNKNOWN_DISTRICT, CitySettings

GRAMS_PER_TONNE = 1_000_000


async def summary(
    session: AsyncSession, city: CitySettings, registry: Registry, today: dt.date, now: dt.datetime
) -> dict[str, Any]:
    year = periods.start("y", today)
    families = registry.families()
    by_methodology = await _totals(session, year)
    live = await _live_families(session, families, today - dt.timedelta(days=city.live_window_days - 1))
    people = await _people(session, year)
    to_date, this_year = _sum(by_methodology.values())
    blocks = {
        "to_date": to_date | {"participants": people.get(("a", periods.EPOCH, ALL), 0)},
        "this_year": {"year": today.year} | this_year | {"participants": people.get(("y", year, ALL), 0)},
    }
    actual = {
        "live_scenarios": float(len(live)),
        "annual_tonnes": round(this_year["grams"] / GRAMS_PER_TONNE, 2),
    }
    k = city.k_anonymity
    return {
        "as_of": now.isoformat(),
        "k": k,
        "today": today.isoformat(),
        **{name: _k_anonymous(block, k) for name, block in blocks.items()},
        "families": _by_family(by_methodology, families, people, year, live, k),
        "coins": await coins(session),
        "methodologies": methodology_labels(registry),
        "family_labels": [{"id": f.id, "zh": f.zh, "en": f.en} for f in FAMILIES],
        "districts": [d.model_dump() for d in city.districts]
        + [{"code": UNKNOWN_DISTRICT, "zh": "未知", "en": "Unknown"}],
        "targets": progress(load_targets(city.targets_file), actual, today),
    }


NAMES = ("grams", "actions", "coins")
Sums = tuple[dict[str, int], dict[str, int]]  # all time, this year


async def _totals(session: AsyncSession, year: dt.date) -> dict[str, Sums]:
    """All-time and this year's sums per methodology, in one pass over the counters."""
    c = RollupCounter.__table__.c
    in_year = c.day >= year
    rows = await session.execute(
        sa.select(
            c.methodology_id,
            sa.func.sum(c.grams),
            sa.func.sum(c.actions),
            sa.func.sum(c.coins),
            sa.func.sum(sa.case((in_year, c.grams), else_=0)),
            sa.func.sum(sa.case((in_year, c.actions), else_=0)),
            sa.func.sum(sa.case((in_year, c.coins), else_=0)),
        ).group_by(c.methodology_id)
    )
    return {
        row[0]: (
            dict(zip(NAMES, map(int, row[1:4]), strict=True)),
            dict(zip(NAMES, map(int, row[4:7]), strict=True)),
        )
        for row in rows
    }


def _sum(parts: Any) -> Sums:
    to_date, this_year = dict.fromkeys(NAMES, 0), dict.fromkeys(NAMES, 0)
    for all_time, year in parts:
        for name in NAMES:
            to_date[name] += all_time[name]
            this_year[name] += year[name]
    return to_date, this_year


async def _live_families(session: AsyncSession, families: dict[str, str], live_from: dt.date) -> set[str]:
    """The families with a credit in the live window (the plan counts its scenarios in families)."""
    c = RollupCounter.__table__.c
    rows = await session.scalars(
        sa.select(c.methodology_id)
        .where(c.day >= live_from)
        .group_by(c.methodology_id)
        .having(sa.func.sum(c.actions) > 0)
    )
    return {families[m] for m in rows if m in families}


async def _people(session: AsyncSession, year: dt.date) -> dict[tuple[str, dt.date, str], int]:
    """Participants all time and this year, overall (``*``) and per family (``family:<id>``)."""
    t = RollupParticipants.__table__.c
    rows = await session.execute(
        sa.select(t.kind, t.period, t.methodology_id, sa.func.sum(t.participants))
        .where(
            sa.or_(
                sa.and_(t.kind == "a", t.period == periods.EPOCH), sa.and_(t.kind == "y", t.period == year)
            ),
            sa.or_(t.methodology_id == ALL, t.methodology_id.startswith(FAMILY)),
            t.district == ALL,
        )
        .group_by(t.kind, t.period, t.methodology_id)
    )
    return {
        (
            kind,
            periods.start(kind, period) if isinstance(period, dt.date) else dt.date.fromisoformat(period),
            scenario,
        ): int(n)
        for kind, period, scenario, n in rows
    }


def _by_family(
    by_methodology: dict[str, Sums],
    families: dict[str, str],
    people: dict[tuple[str, dt.date, str], int],
    year: dt.date,
    live: set[str],
    k: int,
) -> list[dict[str, Any]]:
    """Each of the plan's families: its methodologies, whether it is live, and its k-anonymous totals."""
    out = []
    for f in FAMILIES:
        members = sorted(m for m, family in families.items() if family == f.id)
        to_date, this_year = _sum(by_methodology[m] for m in members if m in by_methodology)
        key = family_key(f.id)
        out.append(
            {
                "id": f.id,
                "zh": f.zh,
                "en": f.en,
                "methodologies": members,
                "live": f.id in live,
                "to_date": _k_anonymous(
                    to_date | {"participants": people.get(("a", periods.EPOCH, key), 0)}, k
                ),
                "this_year": _k_anonymous(this_year | {"participants": people.get(("y", year, key), 0)}, k),
            }
        )
    return out


def _k_anonymous(block: dict[str, Any], k: int) -> dict[str, Any]:
    if block["participants"] >= k:
        return block | {"suppressed": False}
    return {name: (None if name != "year" else value) for name, value in block.items()} | {
        "suppressed": True,
        "reason": PRIMARY,
    }


async def coins(session: AsyncSession) -> dict[str, int]:
    """Coins by where they are, read from the few non-wallet accounts (wallets hold the rest)."""
    kinds = [AccountKind.ISSUANCE, AccountKind.MERCHANT, AccountKind.EXPIRY, AccountKind.ADJUSTMENT]
    rows = await session.execute(
        sa.select(Account.kind, sa.func.sum(Account.balance))
        .where(Account.kind.in_(kinds))
        .group_by(Account.kind)
    )
    by_kind = {kind: int(total) for kind, total in rows}
    # Every transfer debits one account and credits another, so all balances sum to zero: what the
    # non-wallet accounts do not hold, the wallets do (held coins included).
    return {
        "issued": -by_kind.get(AccountKind.ISSUANCE, 0),
        "redeemed": by_kind.get(AccountKind.MERCHANT, 0),
        "expired": by_kind.get(AccountKind.EXPIRY, 0),
        "adjusted": by_kind.get(AccountKind.ADJUSTMENT, 0),
        "outstanding": -sum(by_kind.values()),
    }


def methodology_labels(registry: Registry) -> list[dict[str, str]]:
    """Each methodology's id, family and Chinese and English names, from titles like "Bus trip (公交出行)"."""
    out = []
    for methodology_id in registry.ids():
        methodology = registry.current(methodology_id)
        en, _, rest = methodology.title.partition(" (")
        out.append(
            {"id": methodology_id, "family": methodology.family, "zh": rest.rstrip(")") or en, "en": en}
        )
    return out
