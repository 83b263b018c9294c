"""``tanbi action explain`` and ``tanbi action replay`` on a real (embedded) database file."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import main
from service.db.engine import Database
from service.db.migrate import upgrade
from service.methodology.registry import load_registry
from service.settings import load_settings
from tests.integration.actions.conftest import actions_for, bus, new_resident

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TANBI_DATA_DIR", str(tmp_path))
    settings = load_settings()
    upgrade(settings.resolved_database_url)
    asyncio.run(_record(settings))
    return tmp_path


async def _record(settings) -> None:  # type: ignore[no-untyped-def]
    database = Database.from_url(settings.resolved_database_url)
    try:
        async with database.session() as session:
            resident = await new_resident(session)
            service = actions_for(session, settings, load_registry(), clock=lambda: NOW)
            await service.record_action(resident, "bus_trip", bus(NOW - dt.timedelta(hours=3)), None, "cli:1")
            await service.record_action(
                resident, "bus_trip", bus(NOW - dt.timedelta(hours=1), minutes=2), None, "cli:2"
            )
    finally:
        await database.dispose()


def test_explain_prints_the_breakdown_and_its_recomputation(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["action", "explain", "1"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Action 1: Bus trip (公交出行) — 公交出行 Public transport and cycling" in text
    assert "methodology bus_trip 2.0.0, parameter version 2" in text
    assert "reduction_g = (distance_km x bus_reduction_g_per_pkm) x conservativeness" in text
    assert "distance_km = 5" in text
    assert "bus_reduction_g_per_pkm = 26.9 g CO2 / pkm  [深圳市低碳公共出行碳普惠方法学（试行）" in text
    assert "134.50 g CO2 exactly; 134 g, floored once at the end" in text
    assert "daily_cap: actions per day, limit 10, used 0 before, this action 1" in text
    assert "travel_day (day, the larger member counts, never the sum)" in text
    assert "Credited 134 g = 13 coins + 4 g remainder" in text
    assert "Recomputed with the recorded code, parameters and facts: identical" in text
    as_json = json.loads(CliRunner().invoke(main, ["action", "explain", "2", "--json"]).output)
    assert (as_json["status"], as_json["reasons"], as_json["matches"]) == (
        "rejected",
        ["implausible_speed"],
        True,
    )
    assert as_json["reasons_explained"] == [
        {"code": "implausible_speed", "zh": "平均速度不合理", "en": "the average speed is implausible"}
    ]
    rejected = CliRunner().invoke(main, ["action", "explain", "2"]).output
    assert "implausible_speed: 平均速度不合理 / the average speed is implausible" in rejected


def test_replay_passes_then_fails_on_a_tampered_action(data_dir: Path) -> None:
    since = (NOW - dt.timedelta(days=2)).strftime("%Y-%m-%d")
    clean = CliRunner().invoke(main, ["action", "replay", "--since", since])
    assert clean.exit_code == 0, clean.output
    assert "replayed 2 actions; 0 differ" in clean.output
    with sqlite3.connect(data_dir / "tanbi.db") as connection:
        connection.execute("UPDATE actions SET grams = 140 WHERE id = 1")
    tampered = CliRunner().invoke(main, ["action", "replay", "--since", since])
    assert tampered.exit_code == 1
    assert "action 1 (bus_trip): grams: stored 140, recomputed 134" in tampered.output
    assert CliRunner().invoke(main, ["action", "explain", "1"]).exit_code == 1


def test_explain_of_a_missing_action_fails_cleanly(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["action", "explain", "999"])
    assert result.exit_code == 1
    assert "action 999 does not exist" in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
