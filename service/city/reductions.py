"""Reductions: cells of the published grid (service/city/publication.py), grouped as the city asks.

A query names a range and a grouping. Every number it returns is one cell of the grid, so:

- grouped by day, month or year, the range must be whole periods of that kind (``from`` a first day,
  ``to`` a last day);
- not grouped by time, the range must be one period: a day, a month or a year.

ISO weeks are not published (service/city/grid.py says why).

The total is the range's own cell when the range is one period, and absent otherwise (a sum over an
arbitrary range is exactly what would let two answers be subtracted). Grouped by family or methodology
the cells are the family's or the methodology's; by district, each district's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.city import periods
from service.city.grid import UNKNOWN_FAMILY
from service.city.models import ALL, FAMILY, CityCell
from service.city.publication import Freshness, freshness, latest
from service.city.units import DEFAULT, Unit, convert
from service.db.base import utcnow
from service.errors import Invalid
from service.http.dates import EARLIEST, LATEST

DIMENSIONS = ("day", "month", "year", "family", "methodology", "district")
TIME_KINDS = {"day": "d", "month": "m", "year": "y"}
MAX_DAYS = 3 * 366 + 1  # a day-by-day range longer than this is refused, not slowly served
VALUES = ("grams", "actions", "coins", "participants")
KIND_NAMES = {"d": "a day", "m": "a month", "y": "a year"}


@dataclass
class Group:
    key: dict[str, Any]
    grams: int | None
    actions: int | None
    coins: int | None
    participants: int | None
    suppressed: bool

    def public(self, unit: Unit = DEFAULT) -> dict[str, Any]:
        """The cell as the API gives it: its keys, whether hidden, grams, ``co2e`` (grams in ``unit``), the
        other figures."""
        return self.key | {
            "suppressed": self.suppressed,
            "grams": self.grams,
            "co2e": convert(self.grams, unit),
            "actions": self.actions,
            "coins": self.coins,
            "participants": self.participants,
        }


@dataclass
class Report:
    first: dt.date
    last: dt.date
    group_by: list[str]
    k: int | None
    fresh: Freshness
    unit: Unit = DEFAULT
    groups: list[Group] = field(default_factory=list)
    total: Group | None = None


def parse_group_by(text: str | None) -> list[str]:
    names = [n.strip() for n in (text or "").split(",") if n.strip()]
    if "week" in names:
        raise Invalid(
            "weeks are not published: a week straddling two months would give hidden days away; "
            "group by day or month",
            code="invalid_group_by",
        )
    unknown = [n for n in names if n not in DIMENSIONS]
    if unknown:
        raise Invalid(
            f"cannot group by {', '.join(unknown)}; choose from {', '.join(DIMENSIONS)}",
            code="invalid_group_by",
        )
    if len(set(names)) != len(names):
        raise Invalid("group_by names a dimension twice", code="invalid_group_by")
    if sum(n in TIME_KINDS for n in names) > 1:
        raise Invalid("group_by takes at most one of day, month, year", code="invalid_group_by")
    return names


def check_range(first: dt.date, last: dt.date, time: str | None) -> tuple[str, dt.date] | None:
    """Refuse a range the grid cannot answer exactly; returns the range's own period, if it is one."""
    if not (EARLIEST <= first <= LATEST and EARLIEST <= last <= LATEST):  # calendar arithmetic overflows
        raise Invalid(f"dates run from {EARLIEST} to {LATEST}", code="invalid_range")
    if last < first:
        raise Invalid("'to' is before 'from'", code="invalid_range")
    if (last - first).days >= MAX_DAYS:
        raise Invalid(f"a range spans at most {MAX_DAYS} days", code="invalid_range")
    whole = periods.exact(first, last)
    if whole is not None and whole[0] not in KIND_NAMES:
        whole = None  # an ISO week: not published
    if time is None and whole is None:
        raise Invalid(
            "without a time grouping the range must be one whole day, month or year "
            "(published figures are whole calendar periods, so that no two can be subtracted)",
            code="range_not_a_period",
        )
    kind = TIME_KINDS.get(time or "")
    if kind and (periods.start(kind, first) != first or periods.end(kind, periods.start(kind, last)) != last):
        raise Invalid(
            f"grouped by {time}, 'from' must start {KIND_NAMES[kind]} and 'to' must end one",
            code="range_not_whole_periods",
        )
    return whole


async def reductions(
    session: AsyncSession,
    first: dt.date,
    last: dt.date,
    group_by: Sequence[str],
    families: Mapping[str, str],
    unit: Unit = DEFAULT,
) -> Report:
    """``families`` maps each methodology id to its family (to label a methodology's cells); ``unit`` is
    the unit of each cell's ``co2e`` (grams stay grams)."""
    dims = list(group_by)
    time = next((d for d in dims if d in TIME_KINDS), None)
    whole = check_range(first, last, time)
    publication = await latest(session)
    fresh = await freshness(session, publication, utcnow())
    report = Report(first, last, dims, publication.k if publication else None, fresh, unit)
    if publication is None:
        return report
    kind, start = (TIME_KINDS[time], first) if time else whole  # type: ignore[misc]
    c = CityCell.__table__.c
    stmt = sa.select(CityCell).where(
        c.kind == kind,
        c.period.between(start, last) if time else c.period == start,
        *_levels(dims),
    )
    rows = (await session.scalars(stmt)).all()
    report.groups = sorted((_group(row, dims, time, families) for row in rows), key=_order)
    if whole is not None:
        total = await session.get(CityCell, (whole[0], whole[1], ALL, ALL))
        report.total = _group(total, [], None, families) if total else _empty({})
    return report


def _levels(dims: list[str]) -> list[Any]:
    c = CityCell.__table__.c
    if "methodology" in dims:
        scenario = sa.and_(c.scenario != ALL, sa.not_(c.scenario.startswith(FAMILY)))
    elif "family" in dims:
        scenario = c.scenario.startswith(FAMILY)
    else:
        scenario = c.scenario == ALL
    return [scenario, c.district != ALL if "district" in dims else c.district == ALL]


def _group(row: CityCell, dims: list[str], time: str | None, families: Mapping[str, str]) -> Group:
    key: dict[str, Any] = {}
    for dim in dims:
        if dim == time:
            key[dim] = periods.label(row.kind, row.period)
        elif dim == "district":
            key[dim] = row.district
        elif dim == "methodology":
            key[dim] = row.scenario
        elif dim == "family":
            scenario = row.scenario
            key[dim] = (
                scenario.removeprefix(FAMILY)
                if scenario.startswith(FAMILY)
                else families.get(scenario, UNKNOWN_FAMILY)
            )
    return Group(key, row.grams, row.actions, row.coins, row.participants, row.suppressed is not None)


def _empty(key: dict[str, Any]) -> Group:
    """A cell without any action: nothing to hide, nobody took part."""
    return Group(key, 0, 0, 0, 0, False)


def _order(group: Group) -> tuple[str, ...]:
    return tuple(str(v) for v in group.key.values())
