"""Plug-in discovery through the ``tanbi.methodologies`` entry points, with a real installed package."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from service.methodology.registry import GROUP, PluginError, load_registry
from tests.integration.actions.conftest import NOW, actions_for, new_resident
from tests.integration.methodology.test_api import BUILTINS

PLUGIN = Path(__file__).parents[2] / "plugins" / "tanbi-example-plugin"


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example plug-in, installed by pip (offline) into a folder of its own."""
    target = tmp_path_factory.mktemp("plugin-site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--target",
            str(target),
            str(PLUGIN),
        ],
        check=True,
        capture_output=True,
    )
    return target


@pytest.fixture
def with_plugin(plugin_site: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.syspath_prepend(str(plugin_site))
    registry = load_registry()
    yield registry
    for name in [m for m in sys.modules if m.startswith("tanbi_example_plugin")]:
        del sys.modules[name]


def test_builtins_are_registered_without_plugins() -> None:
    registry = load_registry()
    assert set(registry.ids()) == BUILTINS
    assert registry.skipped == {}


def test_installed_plugin_is_registered_and_bad_ones_are_skipped(with_plugin, caplog) -> None:  # type: ignore[no-untyped-def]
    assert set(with_plugin.ids()) == BUILTINS | {"stairs_climb"}
    assert with_plugin.current("stairs_climb").version == "0.1.0"
    assert "broken on purpose" in with_plugin.skipped["broken_example"]
    assert "API version 3" in with_plugin.skipped["future_example"]
    assert "speaks version 2" in with_plugin.skipped["future_example"]


async def test_plugin_methodology_credits_through_the_service(with_plugin, database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await new_resident(session)
        service = actions_for(session, settings, with_plugin)
        when = (NOW - dt.timedelta(hours=1)).isoformat()
        credited = await service.record_action(
            resident, "stairs_climb", {"climbed_at": when, "floors": 10, "building_id": "B7"}, None, "plug:1"
        )
        too_many = await service.record_action(
            resident, "stairs_climb", {"climbed_at": when, "floors": 41, "building_id": "B7"}, None, "plug:2"
        )
    assert (credited.action.status, credited.action.grams, credited.action.coins) == ("accepted", 125, 12)
    assert too_many.action.reasons == ["per_action_cap"]


def test_a_broken_builtin_stops_start_up() -> None:
    broken = EntryPoint(name="bus_trip", value="methodologies.no_such_module:VERSIONS", group=GROUP)
    with pytest.raises(PluginError, match="built-in methodology 'bus_trip' is broken"):
        load_registry([broken])


def test_incompatible_builtin_is_refused_with_a_clear_message() -> None:
    future = EntryPoint(name="future_example", value="tests.integration.methodology.future:ITEM", group=GROUP)
    registry = load_registry([future])  # not under methodologies.: treated as third party, skipped
    assert "SDK API version" in registry.skipped["future_example"]
