"""Reductions over a date range, grouped by any of day/week/month, family, methodology and district.

Grams, actions and coins come from the counters (summed over the range; a family's are its methodologies'
summed); distinct participants from the participant counts when a group's range is exactly one period, and
from the member sets of the periods tiling it otherwise (a family's from its own member rows, so a resident
who rode a bus and a metro is one participant of the family). Nothing here reads the actions table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.city import periods
from service.city.models import ALL, FAMILY, RollupCounter, RollupMember, RollupParticipants
from service.city.suppression import Cell, suppress
from service.db.sql import is_postgresql
from service.errors import Invalid
from service.http.dates import EARLIEST, LATEST

DIMENSIONS = ("day", "week", "month", "family", "methodology", "district")
UNKNOWN_FAMILY = "unknown"
MAX_DAYS = 3 * 366 + 1  # a day-by-day or arbitrary range longer than this is refused, not slowly served


@dataclass
class Report:
    first: dt.date
    last: dt.date
    group_by: list[str]
    k: int
    groups: list[Cell] = field(default_factory=list)
    total: Cell | None = None


def parse_group_by(text: str | None) -> list[str]:
    names = [n.strip() for n in (text or "").split(",") if n.strip()]
    unknown = [n for n in names if n not in DIMENSIONS]
    if unknown:
        raise Invalid(
            f"cannot group by {', '.join(unknown)}; choose from {', '.join(DIMENSIONS)}",
            code="invalid_group_by",
        )
    if len(set(names)) != len(names):
        raise Invalid("group_by names a dimension twice", code="invalid_group_by")
    if sum(n in periods.TIME_KINDS for n in names) > 1:
        raise Invalid("group_by takes at most one of day, week, month", code="invalid_group_by")
    return names


def check_range(first: dt.date, last: dt.date) -> None:
    if not (EARLIEST <= first <= LATEST and EARLIEST <= last <= LATEST):  # calendar arithmetic overflows
        raise Invalid(f"dates run from {EARLIEST} to {LATEST}", code="invalid_range")
    if last < first:
        raise Invalid("'to' is before 'from'", code="invalid_range")
    if (last - first).days >= MAX_DAYS:
        raise Invalid(f"a range spans at most {MAX_DAYS} days", code="invalid_range")


async def reductions(
    session: AsyncSession,
    k: int,
    first: dt.date,
    last: dt.date,
    group_by: Sequence[str],
    families: Mapping[str, str],
) -> Report:
    """``families`` maps each methodology id to its family (a family's counters are its methodologies')."""
    check_range(first, last)
    dims = list(group_by)
    time = next((d for d in dims if d in periods.TIME_KINDS), None)
    counter_dims = ["methodology" if d == "family" else d for d in _without_derived_family(dims)]
    counts = _fold(await _counters(session, first, last, counter_dims, time), counter_dims, dims, families)
    people_dims = _without_derived_family(dims)
    people = _fold(await _participants(session, first, last, people_dims, time), people_dims, dims, families)
    cells = {
        key: Cell(dict(zip(dims, _labels(key, dims), strict=True)), *v, people.get(key, 0))
        for key, v in counts.items()
    }
    total_counts = await _counters(session, first, last, [], None)
    total_people = await _participants(session, first, last, [], None)
    values = total_counts.get((), (0, 0, 0))
    total = Cell({}, *values, total_people.get((), 0))
    suppress(list(cells.values()), dims, k, total)
    return Report(first, last, dims, k, [cells[key] for key in sorted(cells)], total)


def _without_derived_family(dims: list[str]) -> list[str]:
    """Grouped by methodology, a group's family follows from its methodology: the database is not asked."""
    return [d for d in dims if not (d == "family" and "methodology" in dims)]


def _fold(
    found: Mapping[tuple[Any, ...], Any], asked: list[str], dims: list[str], families: Mapping[str, str]
) -> dict[tuple[Any, ...], Any]:
    """Rows keyed by ``asked`` as keys of ``dims``: family names filled in, and counters of one family's
    methodologies summed (asked by methodology where ``dims`` wants the family)."""
    out: dict[tuple[Any, ...], Any] = {}
    for key, value in found.items():
        named = dict(zip(asked, key, strict=True))
        if "family" in dims:
            scenario = named.get("family", named.get("methodology"))
            named["family"] = (
                scenario.removeprefix(FAMILY)
                if scenario.startswith(FAMILY)
                else families.get(scenario, UNKNOWN_FAMILY)
            )
        full = tuple(named[d] for d in dims)
        out[full] = _add(out[full], value) if full in out else value
    return out


def _add(a: Any, b: Any) -> Any:
    return tuple(x + y for x, y in zip(a, b, strict=True)) if isinstance(a, tuple) else a + b


def _labels(key: tuple[Any, ...], dims: list[str]) -> list[str]:
    return [
        periods.label(periods.TIME_KINDS[d], v) if d in periods.TIME_KINDS else v
        for d, v in zip(dims, key, strict=True)
    ]


async def _counters(
    session: AsyncSession, first: dt.date, last: dt.date, dims: list[str], time: str | None
) -> dict[tuple[Any, ...], tuple[int, int, int]]:
    c = RollupCounter.__table__.c
    columns = [_bucket(session, time, c.day) if d == time else c[_column(d)] for d in dims]
    labelled = [col.label(f"g{n}") for n, col in enumerate(columns)]
    stmt = (
        sa.select(*labelled, sa.func.sum(c.grams), sa.func.sum(c.actions), sa.func.sum(c.coins))
        .where(c.day.between(first, last))
        .group_by(*(sa.literal_column(f"g{n}") for n in range(len(columns))))
        .having(sa.func.sum(c.actions) != 0)
    )
    rows = await session.execute(stmt)
    width = len(dims)
    return {
        tuple(_as_date(v) for v in r[:width]): (int(r[width]), int(r[width + 1]), int(r[width + 2]))
        for r in rows
    }


def _column(dimension: str) -> str:
    return "methodology_id" if dimension in ("methodology", "family") else dimension


def _bucket(session: AsyncSession, time: str | None, day: Any) -> Any:
    """The first day of ``day``'s period in SQL (PostgreSQL or SQLite)."""
    kind = periods.TIME_KINDS[time or "day"]
    if kind == "d":
        return day
    if is_postgresql(session):
        if kind == "w":
            return day - (sa.extract("isodow", day).cast(sa.Integer) - 1)
        return sa.cast(sa.func.date_trunc("month", day), sa.Date)
    if kind == "w":
        weekday = sa.cast(sa.func.strftime("%w", day), sa.Integer)  # 0 = Sunday
        return sa.func.date(day, "-" + sa.cast((weekday + 6) % 7, sa.String) + " days")
    return sa.func.date(day, "start of month")


def _as_date(value: Any) -> Any:
    return (
        dt.date.fromisoformat(value)
        if isinstance(value, str) and len(value) == 10 and value[4] == "-"
        else value
    )


async def _participants(
    session: AsyncSession, first: dt.date, last: dt.date, dims: list[str], time: str | None
) -> dict[tuple[Any, ...], int]:
    """Distinct participants per group: the count where a group is one whole period, the sets otherwise."""
    kind = periods.TIME_KINDS[time] if time else None
    spans = list(periods.buckets(kind, first, last)) if kind else [(None, first, last)]
    whole: dict[str, list[dt.date]] = {}
    partial = []
    for start, covered_from, covered_to in spans:
        exact = periods.exact(covered_from, covered_to)
        if exact is not None and (kind is None or exact[0] == kind):
            whole.setdefault(exact[0], []).append(exact[1])
        else:
            partial.append((start, covered_from, covered_to))
    found: dict[tuple[Any, ...], int] = {}
    other = [d for d in dims if d != time]
    for exact_kind, starts in whole.items():
        found |= await _counted(session, exact_kind, starts, dims, other, time)
    for start, covered_from, covered_to in partial:
        found |= await _distinct(session, start, periods.tiles(covered_from, covered_to), dims, other, time)
    return found


def _filters(table: sa.Table, other: list[str]) -> list[Any]:
    """Member and participant rows of the asked grouping: by methodology, by family (``family:`` rows) or
    over all of them (``*``), and by district or over all districts."""
    scenario = table.c.methodology_id
    if "methodology" in other:
        by_scenario = sa.and_(scenario != ALL, sa.not_(scenario.startswith(FAMILY)))
    elif "family" in other:
        by_scenario = scenario.startswith(FAMILY)
    else:
        by_scenario = scenario == ALL
    district = table.c.district != ALL if "district" in other else table.c.district == ALL
    return [by_scenario, district]


async def _counted(
    session: AsyncSession,
    kind: str,
    starts: list[dt.date],
    dims: list[str],
    other: list[str],
    time: str | None,
) -> dict[tuple[Any, ...], int]:
    t = RollupParticipants.__table__
    columns = [t.c.period if d == time else t.c[_column(d)] for d in dims]
    stmt = (
        sa.select(*columns, sa.func.sum(t.c.participants))
        .where(t.c.kind == kind, t.c.period.in_(starts), *_filters(t, other))
        .group_by(*columns)
    )
    # A total over no rows at all is one row of NULL (a new city's first period): nobody took part.
    return {tuple(r[:-1]): int(r[-1]) for r in await session.execute(stmt) if r[-1] is not None}


async def _distinct(
    session: AsyncSession,
    start: dt.date | None,
    tiles: list[tuple[str, dt.date]],
    dims: list[str],
    other: list[str],
    time: str | None,
) -> dict[tuple[Any, ...], int]:
    t = RollupMember.__table__
    by_kind: dict[str, list[dt.date]] = {}
    for kind, period in tiles:
        by_kind.setdefault(kind, []).append(period)
    # One index range per kind (period = ANY), not one OR branch per tile: with fifty branches the
    # planner scanned all 58 million members instead (13 s against 1 s).
    in_tiles = sa.or_(
        *(sa.and_(t.c.kind == kind, t.c.period.in_(starts)) for kind, starts in by_kind.items())
    )
    # DISTINCT then count, not count(DISTINCT): PostgreSQL hashes the former and sorts for the latter
    # (5 s against 23 s over 3 million members).
    members = (
        sa.select(*(t.c[_column(d)] for d in other), t.c.resident_id)
        .where(in_tiles, t.c.actions > 0, *_filters(t, other))
        .distinct()
        .subquery()
    )
    columns = [members.c[_column(d)] for d in other]
    stmt = sa.select(*columns, sa.func.count()).select_from(members).group_by(*columns)
    rows = await _without_table_scan(session, stmt)
    out = {}
    for r in rows:
        named = dict(zip(other, r[:-1], strict=True)) | ({time: start} if time else {})
        out[tuple(named[d] for d in dims)] = int(r[-1])
    return out


async def _without_table_scan(session: AsyncSession, stmt: sa.Select[Any]) -> list[Any]:
    """Rows of a member-set query. PostgreSQL prices the bitmap scan of a long range's members above reading
    the whole table (it chose the table at 5 million actions: 8 s against 4 s), so it is told not to."""
    if not is_postgresql(session):
        return list(await session.execute(stmt))
    await session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    rows = list(await session.execute(stmt))
    await session.execute(sa.text("SET LOCAL enable_seqscan = on"))
    return rows
