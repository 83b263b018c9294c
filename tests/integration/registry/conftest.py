"""Registry fixtures: residents who consent, EV charging credited through the real credit path under a
conservative parameter version with the caps lifted (so a few sessions make tonnes), and a project."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from service.identity.models import Resident
from service.methodology.params import ParamService
from service.methodology.registry import Registry, load_registry
from service.registry.batches import Period, draft
from service.registry.models import CreditBatch, CreditingProject
from service.registry.projects import create_project
from service.settings import Settings
from tests.integration.actions.conftest import ZONE, actions_for, new_resident

SINCE = dt.datetime(2026, 1, 1, tzinfo=ZONE)
PHONES = itertools.count(1)
SESSIONS = itertools.count(1)
KWH = "1000"  # with lifted caps: about 0.38 t of CO2e per session at conservativeness 0.9


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()


async def conservative_ev(session, registry: Registry) -> int:  # type: ignore[no-untyped-def]
    """Publishes (once per database) an ev_charging parameter version with conservativeness 0.9 and caps a
    charging hub would need, effective from 2026; its version number."""
    methodology = registry.current("ev_charging")
    params = ParamService(session, clock=lambda: SINCE, registry=registry)
    for row in await params.versions(methodology):
        if row.reason == "registry tests":
            return row.version
    row = await params.publish(
        methodology,
        {"conservativeness": "0.9", "daily_max_kwh": "100000", "monthly_max_kwh": "1000000"},
        reason="registry tests",
        effective_from=SINCE,
        actor="test",
    )
    return row.version


async def consenting(session, since: dt.datetime | None = SINCE) -> int:  # type: ignore[no-untyped-def]
    resident = await new_resident(session, f"137{next(PHONES):08d}")
    (await session.get(Resident, resident)).pooling_consent_since = since
    return resident


async def charged(
    session, settings: Settings, registry: Registry, resident: int, days: list[dt.date]
) -> list[int]:  # type: ignore[no-untyped-def]
    """One credited 1,000 kWh session on each day (10:00-11:00 local); the action ids."""
    ids = []
    for day in days:
        start = dt.datetime(day.year, day.month, day.day, 10, tzinfo=ZONE)
        n = next(SESSIONS)
        evidence = {
            "session_id": f"REG-{n}",
            "started_at": start.isoformat(),
            "ended_at": (start + dt.timedelta(hours=1)).isoformat(),
            "energy_kwh": KWH,
            "max_power_kw": "1000",
            "evse_id": f"CN*TNB*R{n:05d}",
            "vehicle_kind": "private_car",
        }
        service = actions_for(session, settings, registry, clock=lambda at=start: at + dt.timedelta(hours=2))
        recorded = await service.record_action(resident, "ev_charging", evidence, None, f"reg:{n}")
        assert recorded.action.status == "accepted", recorded.action.reasons
        ids.append(recorded.action.id)
    await session.flush()
    return ids


async def ev_project(session, registry: Registry, version: int, share: str = "0.1") -> CreditingProject:  # type: ignore[no-untyped-def]
    return await create_project(
        session,
        registry,
        "ev_charging",
        "共青城市新能源汽车充电减排项目",
        "Tanbi registry",
        Decimal(share),
        [version],
        "city:1",
        SINCE,
    )


def march(day: int) -> dt.date:
    return dt.date(2026, 3, day)


FIRST_QUARTER = Period(2026, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
SECOND_QUARTER = Period(2026, dt.date(2026, 4, 1), dt.date(2026, 6, 30))


async def drafted(
    session, settings: Settings, project: CreditingProject, period: Period = FIRST_QUARTER
) -> CreditBatch:  # type: ignore[no-untyped-def]
    return await draft(
        session, settings.zone, project.id, period, "city:1", dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    )
