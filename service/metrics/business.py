"""Figures read from the database at scrape time, cached for a few seconds.

Every API process reads the same rows, so whichever process Prometheus reaches answers the same numbers
(counters kept in memory could not promise that). The cache keeps a scrape storm from turning into a query
storm; ``metrics.cache_seconds`` bounds how stale a figure may be.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from service.db import partitions
from service.db.base import utcnow
from service.db.engine import Database
from service.metrics import repository
from service.partners.models import EventStatus

STATUSES = tuple(s.value for s in EventStatus)


@dataclass(frozen=True)
class Figures:
    events: dict[tuple[str, str], int]  # (methodology, status) -> events
    oldest_received_seconds: float  # 0 when nothing waits
    rollup_waiting: int
    city_behind_seconds: float | None  # None: the city's grid was never published
    partition_months_ahead: int | None  # None: SQLite, no partitions


async def read_figures(database: Database, now: dt.datetime) -> Figures:
    async with database.session() as session:
        events = await repository.events_by_status(session)
        oldest = await repository.oldest_received_at(session)
        logged = await repository.rollup_waiting(session)
        published = await repository.published_at(session)
        ahead = await partitions.months_ahead(session, now)
    return Figures(
        events=events,
        oldest_received_seconds=_seconds_since(oldest, now) or 0.0,
        rollup_waiting=logged,
        city_behind_seconds=_seconds_since(published, now),
        partition_months_ahead=ahead,
    )


def _seconds_since(moment: dt.datetime | None, now: dt.datetime) -> float | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite hands back what was stored: UTC without its zone
        moment = moment.replace(tzinfo=dt.UTC)
    return max(0.0, (now - moment).total_seconds())


@dataclass(eq=False)  # registered in a registry, which keys collectors by identity
class BusinessFigures(Collector):
    """A collector of the latest :class:`Figures`; ``refresh`` (async) reads them again when stale."""

    cache_seconds: float
    figures: Figures | None = None
    read_at: float = float("-inf")
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def refresh(self, database: Database) -> None:
        async with self._lock:  # concurrent scrapes wait for one read instead of each running it
            if time.monotonic() - self.read_at < self.cache_seconds:
                return
            self.figures = await read_figures(database, utcnow())
            self.read_at = time.monotonic()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if self.figures is None:
            return
        yield from families(self.figures)


def families(figures: Figures) -> Iterator[GaugeMetricFamily]:
    events = GaugeMetricFamily(
        "tanbi_partner_events",
        "Partner events by methodology and status (received, credited, rejected, unclaimed, failed).",
        labels=["methodology", "status"],
    )
    methodologies = sorted({m for m, _ in figures.events})
    for methodology in methodologies:
        for status in STATUSES:  # every status of a methodology, zeros too, so rates start from a value
            events.add_metric([methodology, status], figures.events.get((methodology, status), 0))
    yield events
    backlog = sum(n for (_, status), n in figures.events.items() if status == EventStatus.RECEIVED)
    yield GaugeMetricFamily(
        "tanbi_outbox_backlog", "Partner events accepted and not yet processed (status received).", backlog
    )
    yield GaugeMetricFamily(
        "tanbi_outbox_oldest_received_age_seconds",
        "Age of the oldest partner event still received (0 when none waits).",
        figures.oldest_received_seconds,
    )
    yield GaugeMetricFamily(
        "tanbi_city_rollup_waiting_actions",
        "Credited actions logged for the city and not yet folded into the roll-ups.",
        figures.rollup_waiting,
    )
    if figures.city_behind_seconds is not None:
        yield GaugeMetricFamily(
            "tanbi_city_behind_seconds",
            "Seconds since the city's grid was published (what every city answer's behind_seconds says).",
            figures.city_behind_seconds,
        )
    if figures.partition_months_ahead is not None:
        yield GaugeMetricFamily(
            "tanbi_partition_months_ahead",
            "Months after this one whose partitions exist for every partitioned table (alert below 1; at -1 "
            "this month's is missing and inserts fail).",
            figures.partition_months_ahead,
        )
