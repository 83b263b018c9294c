"""Fixtures for the credit path: the real registry, a fixed clock, residents, and evidence builders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from service.actions.service import ActionService
from service.city.rollups import RollupLog
from service.db.base import utcnow
from service.identity.repository import IdentityRepository
from service.methodology.registry import Registry, load_registry
from service.settings import Settings

ZONE = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 20, 0, tzinfo=ZONE)


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()


@pytest.fixture
def clock() -> Callable[[], dt.datetime]:
    return lambda: NOW


def actions_for(session, settings: Settings, registry: Registry, clock=lambda: NOW) -> ActionService:  # type: ignore[no-untyped-def]
    return ActionService(session, settings, registry, clock=clock, rollups=RollupLog())


async def new_resident(session, phone: str = "13900000001") -> int:  # type: ignore[no-untyped-def]
    resident = await IdentityRepository(session).ensure_resident_by_phone_hash(f"hash-{phone}", utcnow())
    return resident.id


def bus(start: dt.datetime, minutes: int = 20, metres: int = 5000) -> dict[str, Any]:
    return {
        "boarded_at": start.isoformat(),
        "alighted_at": (start + dt.timedelta(minutes=minutes)).isoformat(),
        "distance_m": metres,
    }


def bike(start: dt.datetime, minutes: int = 25, metres: int = 5000) -> dict[str, Any]:
    return {
        "started_at": start.isoformat(),
        "ended_at": (start + dt.timedelta(minutes=minutes)).isoformat(),
        "distance_m": metres,
        "bike_id": "bike-1",
    }


def charging(start: dt.datetime, session_id: str = "S1", kwh: str = "30", hours: int = 5) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "started_at": start.isoformat(),
        "ended_at": (start + dt.timedelta(hours=hours)).isoformat(),
        "energy_kwh": kwh,
        "max_power_kw": "22",
        "evse_id": "CN*TNB*E0001",
        "vehicle_kind": "private_car",
    }


def parked(day: dt.date, vehicle: str = "veh-hash-0001") -> dict[str, Any]:
    return {
        "vehicle_ref": vehicle,
        "fuel": "gasoline",
        "date": day.isoformat(),
        "odometer_start_km": "12000.0",
        "odometer_end_km": str(Decimal("12000.3")),
    }


PV_SYSTEM = {
    "capacity_kwp": "5",
    "latitude": 29.25,
    "longitude": 115.80,
    "tilt_deg": 20,
    "azimuth_deg": 180,
    "grid_connected_on": "2025-03-01",
}


@pytest.fixture
def settings_factory(tmp_path):  # type: ignore[no-untyped-def]
    """Settings for a Database the test made itself (``None``: the embedded default in ``tmp_path``)."""
    from tests.conftest import make_settings

    def make(database=None) -> Settings:  # type: ignore[no-untyped-def]
        if database is None or database.dialect == "sqlite":
            return make_settings(tmp_path, None)
        return make_settings(tmp_path, database.engine.url.render_as_string(hide_password=False))

    return make
