"""Calendar periods of the roll-ups, and how a date range is cut into them.

A period is named by its kind and its first day: ``d`` a day, ``w`` an ISO week (Monday), ``m`` a month,
``y`` a year, ``a`` all time (one period starting ``EPOCH``). Participant counts are kept per period, so a
range is answered from counts when it is exactly one period, and from the member sets of the periods that
tile it otherwise (distinct residents across them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

EPOCH = dt.date(2000, 1, 1)
KINDS = ("d", "w", "m", "y", "a")
# group_by's time dimensions and the period kind each reads.
TIME_KINDS = {"day": "d", "week": "w", "month": "m", "year": "y"}


def start(kind: str, day: dt.date) -> dt.date:
    """The first day of the period of ``kind`` that holds ``day``."""
    if kind == "d":
        return day
    if kind == "w":
        return day - dt.timedelta(days=day.weekday())
    if kind == "m":
        return day.replace(day=1)
    if kind == "y":
        return day.replace(month=1, day=1)
    if kind == "a":
        return EPOCH
    raise ValueError(f"unknown period kind {kind!r}")


def end(kind: str, first: dt.date) -> dt.date:
    """The last day of the period of ``kind`` starting on ``first``."""
    if kind == "d":
        return first
    if kind == "w":
        return first + dt.timedelta(days=6)
    if kind == "m":
        following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return following - dt.timedelta(days=1)
    if kind == "y":
        return first.replace(month=12, day=31)
    return dt.date.max


def periods(day: dt.date) -> dict[str, dt.date]:
    """Every period ``day`` belongs to, by kind."""
    return {kind: start(kind, day) for kind in KINDS}


def label(kind: str, first: dt.date) -> str:
    """How the API names a period: 2026-01-05, 2026-W02, 2026-01, 2026."""
    if kind == "y":
        return str(first.year)
    if kind == "w":
        year, week, _ = first.isocalendar()
        return f"{year}-W{week:02d}"
    if kind == "m":
        return first.strftime("%Y-%m")
    return first.isoformat()


def buckets(kind: str, first: dt.date, last: dt.date) -> Iterator[tuple[dt.date, dt.date, dt.date]]:
    """(period start, covered from, covered to) for each period of ``kind`` that meets [first, last]."""
    current = start(kind, first)
    while current <= last:
        yield current, max(current, first), min(end(kind, current), last)
        current = end(kind, current) + dt.timedelta(days=1)


def tiles(first: dt.date, last: dt.date) -> list[tuple[str, dt.date]]:
    """The fewest whole years, months and days that exactly cover [first, last], in order."""
    out: list[tuple[str, dt.date]] = []
    day = first
    while day <= last:
        for kind in ("y", "m", "d"):
            if start(kind, day) == day and end(kind, day) <= last:
                out.append((kind, day))
                day = end(kind, day) + dt.timedelta(days=1)
                break
    return out


def exact(first: dt.date, last: dt.date) -> tuple[str, dt.date] | None:
    """The one period that is exactly [first, last], if there is one (weeks included)."""
    for kind in KINDS[:-1]:
        if start(kind, first) == first and end(kind, first) == last:
            return kind, first
    return None
