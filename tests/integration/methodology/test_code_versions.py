"""A bumped code version credits new actions; actions recorded under the old one still replay with it."""

from __future__ import annotations

import datetime as dt
from importlib.metadata import EntryPoint

from service.actions.replay import Replayer
from service.methodology.registry import GROUP, load_registry
from tests.integration.actions.conftest import NOW, actions_for, bus, new_resident

OLD = EntryPoint(name="bus_trip", value="tests.integration.methodology.two_versions:VERSIONS", group=GROUP)
NEW = EntryPoint(name="bus_trip", value="tests.integration.methodology.two_versions:BOTH", group=GROUP)


async def test_old_actions_replay_with_the_version_they_recorded(database, settings) -> None:  # type: ignore[no-untyped-def]
    before, after = load_registry([OLD]), load_registry([NEW])
    assert after.current("bus_trip").version == "2.0.0"
    assert after.known_versions("bus_trip") == ["1.0.0", "2.0.0"]
    async with database.session() as session:
        resident = await new_resident(session)
        old = await actions_for(session, settings, before).record_action(
            resident, "bus_trip", bus(NOW - dt.timedelta(hours=5)), None, "v:old"
        )
        new = await actions_for(session, settings, after).record_action(
            resident, "bus_trip", bus(NOW - dt.timedelta(hours=2)), None, "v:new"
        )
        assert (old.action.code_version, old.action.grams) == ("1.0.0", 134)
        assert (new.action.code_version, new.action.grams) == ("2.0.0", 121)
        checked, differing = await Replayer(session, settings, after).replay(NOW - dt.timedelta(days=1))
        assert (checked, differing) == (2, [])
