"""Fixtures for the city view: residents in districts with credited actions, through the real credit path."""

from __future__ import annotations

import datetime as dt

import pytest

from service.city.publication import publish
from service.db.base import utcnow
from service.identity.models import Resident
from service.methodology.registry import Registry, load_registry
from tests.integration.actions.conftest import ZONE, actions_for, bike, bus, new_resident

PHONES = iter(range(10**6))


async def trips(
    session, settings, registry, district: str | None, days: list[dt.date], kind: str = "bus"
) -> int:  # type: ignore[no-untyped-def]
    """A new resident of ``district`` with one credited trip on each of ``days``; returns the resident id."""
    resident = await new_resident(session, f"139{next(PHONES):08d}")
    (await session.get(Resident, resident)).district = district
    for n, day in enumerate(days):
        start = dt.datetime(day.year, day.month, day.day, 8 + n % 10, tzinfo=ZONE)
        evidence = bus(start) if kind == "bus" else bike(start)
        service = actions_for(session, settings, registry, clock=lambda at=start: at + dt.timedelta(hours=1))
        recorded = await service.record_action(
            resident, "bus_trip" if kind == "bus" else "bike_share_ride", evidence, None, f"t:{resident}:{n}"
        )
        assert recorded.action.status == "accepted", recorded.action.reasons
    await session.flush()
    return resident


async def published(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    """What the publishing job does every few minutes, now."""
    async with database.session() as session:
        await publish(session, settings.city, registry.families(), utcnow())
        await session.commit()


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()
