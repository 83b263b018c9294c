"""Rooftop PV: registered assets credit only their owner; meter series are checked against history."""

from __future__ import annotations

import datetime as dt

import pytest

from service.actions.assets import register_asset
from service.errors import Conflict, Invalid
from tests.integration.actions.conftest import PV_SYSTEM, ZONE, actions_for, new_resident

NOW_PV = dt.datetime(2026, 7, 2, 12, 0, tzinfo=ZONE)
JUNE = (dt.datetime(2026, 6, 1, tzinfo=ZONE), dt.datetime(2026, 7, 1, tzinfo=ZONE))


def reading(start: dt.datetime, end: dt.datetime, **energy: str) -> dict[str, str]:
    return {"system_id": "PV-001", "period_start": start.isoformat(), "period_end": end.isoformat(), **energy}


async def test_generation_credits_the_registered_owner_only(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        owner, neighbour = (
            await new_resident(session, "13900000011"),
            await new_resident(session, "13900000012"),
        )
        service = actions_for(session, settings, registry, clock=lambda: NOW_PV)
        before = await service.record_action(
            owner, "rooftop_solar", reading(*JUNE, energy_kwh="600"), None, "pv:0"
        )
        assert before.action.reasons == ["unregistered_asset"]
        await register_asset(session, registry, owner, "pv_system", "PV-001", PV_SYSTEM)
        stranger = await service.record_action(
            neighbour, "rooftop_solar", reading(*JUNE, energy_kwh="600"), None, "pv:1"
        )
        assert stranger.action.reasons == ["unregistered_asset"]
        credited = await service.record_action(
            owner, "rooftop_solar", reading(*JUNE, energy_kwh="600"), None, "pv:2"
        )
        assert (credited.action.status, credited.action.grams, credited.action.coins) == (
            "accepted",
            316260,
            31626,
        )


async def test_a_meter_period_is_credited_once_and_meters_never_run_back(
    database, settings, registry
) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        owner = await new_resident(session, "13900000013")
        await register_asset(session, registry, owner, "pv_system", "PV-001", PV_SYSTEM)
        service = actions_for(session, settings, registry, clock=lambda: NOW_PV)
        day = dt.timedelta(days=1)
        d20 = dt.datetime(2026, 6, 20, tzinfo=ZONE)
        first = await service.record_action(
            owner,
            "rooftop_solar",
            reading(d20, d20 + day, meter_start_kwh="1000", meter_end_kwh="1025"),
            None,
            "m:1",
        )
        assert (first.action.status, first.action.grams) == ("accepted", 13177)
        again = await service.record_action(
            owner, "rooftop_solar", reading(d20, d20 + day, energy_kwh="20"), None, "m:2"
        )
        assert again.action.reasons == ["overlap"]
        rollback = await service.record_action(
            owner,
            "rooftop_solar",
            reading(d20 + day, d20 + 2 * day, meter_start_kwh="1010", meter_end_kwh="1030"),
            None,
            "m:3",
        )
        assert rollback.action.reasons == ["meter_rollback"]
        assert rollback.action.context["previous"]["meter_end_kwh"] == "1025"


async def test_asset_registration_rules(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        owner, other = await new_resident(session, "13900000014"), await new_resident(session, "13900000015")
        first = await register_asset(session, registry, owner, "pv_system", "PV-9", PV_SYSTEM)
        assert (await register_asset(session, registry, owner, "pv_system", "PV-9", PV_SYSTEM)).id == first.id
        with pytest.raises(Conflict) as taken:
            await register_asset(session, registry, other, "pv_system", "PV-9", PV_SYSTEM)
        assert taken.value.code == "asset_exists"
        with pytest.raises(Invalid) as bad:
            await register_asset(
                session, registry, owner, "pv_system", "PV-10", {**PV_SYSTEM, "latitude": 123}
            )
        assert bad.value.code == "invalid_asset"
        with pytest.raises(Invalid) as unknown:
            await register_asset(session, registry, owner, "windmill", "W-1", {})
        assert unknown.value.code == "unknown_asset_kind"
