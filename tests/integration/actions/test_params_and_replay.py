"""Parameter versions (published, audited, used from their effective date) and explain / replay."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from service.actions.models import Action
from service.actions.replay import Replayer
from service.audit.models import AuditEntry
from service.errors import Invalid
from service.methodology.params import ParamService
from tests.integration.actions.conftest import NOW, actions_for, bus, new_resident

EARLY = dt.datetime(2026, 11, 1, 12, 0, tzinfo=NOW.tzinfo)


async def test_published_version_applies_from_its_effective_date(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    methodology = registry.current("bus_trip")
    effective = NOW - dt.timedelta(days=2)
    async with database.session() as session:
        # Published at EARLY, taking effect two days before NOW.
        version = await _publish(ParamService(session, clock=lambda: EARLY), methodology, effective)
        assert version.version == 2
        resident = await new_resident(session)
        service = actions_for(session, settings, registry)
        old = await service.record_action(
            resident, "bus_trip", bus(effective - dt.timedelta(days=1)), None, "p:old"
        )
        new = await service.record_action(
            resident, "bus_trip", bus(effective + dt.timedelta(hours=1)), None, "p:new"
        )
        assert (old.action.params_version, old.action.grams) == (1, 134)
        assert (new.action.params_version, new.action.grams) == (2, 150)
        assert old.action.params_hash != new.action.params_hash
        entry = await session.scalar(sa.select(AuditEntry).where(AuditEntry.target == "methodology:bus_trip"))
        assert entry is not None
        assert entry.actor == "city:7"
        assert entry.details["overrides"] == {"bus_reduction_g_per_pkm": "30"}


async def _publish(params: ParamService, methodology, effective: dt.datetime):  # type: ignore[no-untyped-def]
    return await params.publish(
        methodology,
        {"bus_reduction_g_per_pkm": "30"},
        reason="city fleet survey 2026",
        effective_from=effective,
        actor="city:7",
    )


async def test_publishing_refuses_bad_versions(database, registry) -> None:  # type: ignore[no-untyped-def]
    methodology = registry.current("bus_trip")
    async with database.session() as session:
        params = ParamService(session)
        future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        cases = [
            ({"bus_reduction_g_per_pkm": "30"}, dt.datetime(2020, 1, 1, tzinfo=dt.UTC), "effective_in_past"),
            ({"no_such_factor": "1"}, future, "unknown_parameter"),
            ({"bus_reduction_g_per_pkm": "not a number"}, future, "invalid_parameters"),
            ({}, future, "no_overrides"),
        ]
        for overrides, effective, code in cases:
            with pytest.raises(Invalid) as refused:
                await params.publish(
                    methodology, overrides, reason="test", effective_from=effective, actor="city:1"
                )
            assert refused.value.code == code
        assert [v.version for v in await params.versions(methodology)] == [1]


@pytest.mark.tampers_with_actions
@pytest.mark.tampers_with_books
async def test_replay_agrees_until_a_stored_result_is_altered(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await new_resident(session)
        service = actions_for(session, settings, registry)
        for n in range(3):
            trip = bus(NOW - dt.timedelta(hours=6 - n), metres=4000 + 1000 * n)
            await service.record_action(resident, "bus_trip", trip, None, f"r:{n}")
        await service.record_action(
            resident, "bus_trip", bus(NOW - dt.timedelta(hours=1), minutes=1), None, "r:x"
        )
        replayer = Replayer(session, settings, registry)
        checked, differing = await replayer.replay(NOW - dt.timedelta(days=1))
        assert (checked, differing) == (4, [])
        target = await session.scalar(sa.select(Action.id).where(Action.source_key == "r:1"))
        await session.execute(sa.update(Action).where(Action.id == target).values(grams=999))
        session.expire_all()
        checked, differing = await replayer.replay(NOW - dt.timedelta(days=1))
        assert checked == 4
        assert [r.action.id for r in differing] == [target]
        assert differing[0].differences == ["grams: stored 999, recomputed 134"]
        explained = await replayer.explain(target)
        assert explained.grams == 134
