"""Benefit fixtures: residents with credited trips (the real credit path) and the city's benefit bodies."""

from __future__ import annotations

import datetime as dt

import pytest

from service.achievements.totals import totals
from service.db.base import utcnow
from service.methodology.registry import Registry, load_registry
from tests.integration.city.conftest import trips

DAYS = [dt.date(2026, 11, d) for d in range(2, 9)]


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()


def benefit_body(**overrides: object) -> dict[str, object]:
    now = utcnow()
    return {
        "title_zh": "市公园年票",
        "title_en": "Park annual pass",
        "description": "凭券入园",
        "price": 0,
        "stock_total": 5,
        "per_resident_limit": 1,
        "valid_from": (now - dt.timedelta(hours=1)).isoformat(),
        "valid_until": (now + dt.timedelta(days=30)).isoformat(),
    } | overrides


async def traveller(database, settings, registry, days: int = 3) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A committed resident with a credited bus trip on each of ``days`` days, and their lifetime grams."""
    async with database.session() as session:
        resident = await trips(session, settings, registry, None, DAYS[:days])
        grams = (await totals(session, resident)).grams
        await session.commit()
    return resident, grams
