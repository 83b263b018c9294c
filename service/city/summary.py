"""The city's summary: totals to date and this year, overall and by the plan's families, participants, coins,
and progress to targets (live scenarios are counted in families: the plan's "2-3 scenarios live by 2025"),
overall and for the families and districts the targets file names."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from methodologies._sdk import FAMILIES
from service.city import periods
from service.city.models import ALL, FAMILY, CityCell, RollupCounter, family_key
from service.city.publication import freshness, latest
from service.city.targets import load_targets, progress
from service.city.units import DEFAULT, Unit, convert
from service.ledger.models import Account, AccountKind
from service.methodology.registry import Registry
from service.settings import UNKNOWN_DISTRICT, CitySettings

GRAMS_PER_TONNE = 1_000_000

# (kind, scenario, district) -> the published cell: kind a (all time) or y (this year).
Cells = dict[tuple[str, str, str], CityCell]


async def summary(
    session: AsyncSession,
    city: CitySettings,
    registry: Registry,
    today: dt.date,
    now: dt.datetime,
    unit: Unit = DEFAULT,
) -> dict[str, Any]:
    """Totals are the published grid's cells (all time and this year, overall and per family), so they
    share the reductions' suppression; coins and targets are live. Every block's ``co2e`` is its grams in
    ``unit``; targets keep their own units."""
    year = periods.start("y", today)
    families = registry.families()
    live = await _live_families(session, families, today - dt.timedelta(days=city.live_window_days - 1))
    cells = await _published(session, year)
    publication = await latest(session)
    to_date = _block(cells.get(("a", ALL, ALL)), unit)
    this_year = _block(cells.get(("y", ALL, ALL)), unit)
    annual = this_year["grams"] if not this_year["suppressed"] else 0
    actual = {
        "live_scenarios": float(len(live)),
        "annual_tonnes": _tonnes(annual),
    }
    districts = [d.model_dump() for d in city.districts] + [
        {"code": UNKNOWN_DISTRICT, "zh": "未知", "en": "Unknown"}
    ]
    targets = load_targets(city.targets_file, frozenset(city.district_codes()))
    return {
        "as_of": now.isoformat(),
        **(await freshness(session, publication, now)).fields(),
        "k": publication.k if publication else city.k_anonymity,
        "today": today.isoformat(),
        "unit": unit,
        "to_date": to_date,
        "this_year": {"year": today.year} | this_year,
        "families": _by_family(cells, families, live, unit),
        "coins": await coins(session),
        "methodologies": methodology_labels(registry),
        "family_labels": [{"id": f.id, "zh": f.zh, "en": f.en} for f in FAMILIES],
        "districts": districts,
        "targets": progress(
            targets,
            actual,
            today,
            {"annual_tonnes": _annual_parts(cells)},
            {d["code"]: (d["zh"], d["en"]) for d in districts},
        ),
    }


def _tonnes(grams: int) -> float:
    return round(grams / GRAMS_PER_TONNE, 2)


def _annual_parts(cells: Cells) -> dict[str, dict[str, float | None]]:
    """This year's tonnes per family and per district, from the published cells (None where hidden; a part
    without a cell credited nothing)."""
    out: dict[str, dict[str, float | None]] = {"families": {}, "districts": {}}
    for (kind, scenario, district), cell in cells.items():
        if kind != "y":
            continue
        value = None if cell.suppressed or cell.grams is None else _tonnes(cell.grams)
        if district == ALL and scenario.startswith(FAMILY):
            out["families"][scenario.removeprefix(FAMILY)] = value
        elif scenario == ALL and district != ALL:
            out["districts"][district] = value
    return out


NAMES = ("grams", "actions", "coins", "participants")


async def _published(session: AsyncSession, year: dt.date) -> Cells:
    """All-time and this year's cells: over all districts, overall and per family; and each district's
    over all scenarios."""
    c = CityCell.__table__.c
    rows = await session.scalars(
        sa.select(CityCell).where(
            sa.or_(
                sa.and_(c.kind == "a", c.period == periods.EPOCH), sa.and_(c.kind == "y", c.period == year)
            ),
            sa.or_(
                sa.and_(c.district == ALL, sa.or_(c.scenario == ALL, c.scenario.startswith(FAMILY))),
                c.scenario == ALL,
            ),
        )
    )
    return {(row.kind, row.scenario, row.district): row for row in rows}


def _block(cell: CityCell | None, unit: Unit) -> dict[str, Any]:
    """A published cell's numbers, with its grams in ``unit`` as co2e; a cell without actions is zeros
    (nothing to hide)."""
    if cell is None:
        return dict.fromkeys(NAMES, 0) | {"co2e": convert(0, unit), "suppressed": False}
    if cell.suppressed:
        return dict.fromkeys(NAMES, None) | {"co2e": None, "suppressed": True, "reason": cell.suppressed}
    return {name: getattr(cell, name) for name in NAMES} | {
        "co2e": convert(cell.grams, unit),
        "suppressed": False,
    }


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


def _by_family(cells: Cells, families: dict[str, str], live: set[str], unit: Unit) -> list[dict[str, Any]]:
    """Each of the plan's families: its methodologies, whether it is live, and its published totals."""
    out = []
    for f in FAMILIES:
        key = family_key(f.id)
        out.append(
            {
                "id": f.id,
                "zh": f.zh,
                "en": f.en,
                "methodologies": sorted(m for m, family in families.items() if family == f.id),
                "live": f.id in live,
                "to_date": _block(cells.get(("a", key, ALL)), unit),
                "this_year": _block(cells.get(("y", key, ALL)), unit),
            }
        )
    return out


async def coins(session: AsyncSession) -> dict[str, int]:
    """Coins by where they are, read from the few non-wallet accounts (wallets hold the rest)."""
    kinds = [
        AccountKind.ISSUANCE,
        AccountKind.MERCHANT,
        AccountKind.EXPIRY,
        AccountKind.ADJUSTMENT,
        AccountKind.PROJECT,
    ]
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
        "donated": by_kind.get(AccountKind.PROJECT, 0),
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
