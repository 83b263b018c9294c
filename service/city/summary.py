"""The city's summary: totals to date and this year, participants, coins, and progress to targets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.city import periods
from service.city.models import ALL, RollupCounter, RollupParticipants
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
    to_date, this_year, live = await _totals(
        session, year, today - dt.timedelta(days=city.live_window_days - 1)
    )
    people = await _people(session, year)
    blocks = {
        "to_date": to_date | {"participants": people.get(("a", periods.EPOCH), 0)},
        "this_year": {"year": today.year} | this_year | {"participants": people.get(("y", year), 0)},
    }
    actual = {"live_scenarios": float(live), "annual_tonnes": round(this_year["grams"] / GRAMS_PER_TONNE, 2)}
    return {
        "as_of": now.isoformat(),
        "k": city.k_anonymity,
        "today": today.isoformat(),
        **{name: _k_anonymous(block, city.k_anonymity) for name, block in blocks.items()},
        "coins": await coins(session),
        "methodologies": methodology_labels(registry),
        "districts": [d.model_dump() for d in city.districts]
        + [{"code": UNKNOWN_DISTRICT, "zh": "未知", "en": "Unknown"}],
        "targets": progress(load_targets(city.targets_file), actual, today),
    }


async def _totals(session: AsyncSession, year: dt.date, live_from: dt.date) -> tuple[dict, dict, int]:  # type: ignore[type-arg]
    """All-time and this year's sums in one pass over the counters, and how many scenarios are live."""
    c = RollupCounter.__table__.c
    in_year = c.day >= year
    row = (
        await session.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(c.grams), 0),
                sa.func.coalesce(sa.func.sum(c.actions), 0),
                sa.func.coalesce(sa.func.sum(c.coins), 0),
                sa.func.coalesce(sa.func.sum(sa.case((in_year, c.grams), else_=0)), 0),
                sa.func.coalesce(sa.func.sum(sa.case((in_year, c.actions), else_=0)), 0),
                sa.func.coalesce(sa.func.sum(sa.case((in_year, c.coins), else_=0)), 0),
            )
        )
    ).one()
    live = await session.scalar(
        sa.select(sa.func.count(sa.distinct(c.methodology_id))).where(c.day >= live_from, c.actions > 0)
    )
    names = ("grams", "actions", "coins")
    return (
        dict(zip(names, map(int, row[:3]), strict=True)),
        dict(zip(names, map(int, row[3:]), strict=True)),
        int(live or 0),
    )


async def _people(session: AsyncSession, year: dt.date) -> dict[tuple[str, dt.date], int]:
    t = RollupParticipants.__table__.c
    rows = await session.execute(
        sa.select(t.kind, t.period, sa.func.sum(t.participants))
        .where(
            sa.or_(
                sa.and_(t.kind == "a", t.period == periods.EPOCH), sa.and_(t.kind == "y", t.period == year)
            ),
            t.methodology_id == ALL,
            t.district == ALL,
        )
        .group_by(t.kind, t.period)
    )
    return {
        (
            kind,
            periods.start(kind, period) if isinstance(period, dt.date) else dt.date.fromisoformat(period),
        ): int(n)
        for kind, period, n in rows
    }


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
    """Each methodology's id with Chinese and English names, from titles like "Bus trip (公交出行)"."""
    out = []
    for methodology_id in registry.ids():
        title = registry.current(methodology_id).title
        en, _, rest = title.partition(" (")
        out.append({"id": methodology_id, "zh": rest.rstrip(")") or en, "en": en})
    return out
