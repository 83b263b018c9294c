"""Every reason code every methodology version can give is explained in Chinese and English, with the
action's numbers where it has them."""

from __future__ import annotations

import inspect
import re
import sys

import pytest

from methodologies._sdk.explanations import explain, meaning, names, summary
from service.methodology.registry import Registry, load_registry, reason_meanings

# Codes as a methodology's source gives them: reasons.append("x"), Verdict.reject("x"), reason="x", Cap("x".
GIVEN = re.compile(r"""(?:append|reject|Cap)\(\s*"([a-z_]+)"|reason="([a-z_]+)\"""")


def _given(methodology: object) -> set[str]:
    """Reason codes written in the source of the methodology's classes and their modules."""
    found: set[str] = set()
    for cls in type(methodology).__mro__:
        if not cls.__module__.startswith("methodologies."):
            continue
        source = inspect.getsource(sys.modules[cls.__module__])
        found |= {a or b for a, b in GIVEN.findall(source)}
    return found


def _every() -> list[tuple[str, str, str]]:
    registry: Registry = load_registry()
    cases = []
    for methodology_id, versions in sorted(registry.versions.items()):
        for version, methodology in sorted(versions.items()):
            for code in sorted(set(reason_meanings(methodology)) | _given(methodology)):
                cases.append((methodology_id, version, code))
    return cases


CASES = _every()


def test_the_walk_finds_undeclared_codes() -> None:
    assert ("car_free_day", "1.0.0", "driven") in CASES
    assert ("bus_trip", "1.0.0", "implausible_speed") in CASES


@pytest.mark.parametrize(("methodology_id", "version", "code"), CASES)
def test_every_reason_code_has_both_texts(methodology_id: str, version: str, code: str) -> None:
    methodology = load_registry().version(methodology_id, version)
    zh, en = meaning(code, reason_meanings(methodology))
    assert (zh, en) != (code, code), f"{methodology_id} {version}: {code!r} has no meaning"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), code
    assert re.search("[A-Za-z]{3}", en), code
    # with no numbers to read, an explanation is the meaning
    assert explain(code, reason_meanings(methodology), {}, {}, {}) == (zh, en)


BUS = {
    "boarded_at": "2026-11-20T07:42:00+08:00",
    "alighted_at": "2026-11-20T07:44:00+08:00",
    "distance_m": 5000,
}


def test_a_fast_trip_is_explained_with_its_distance_and_minutes() -> None:
    assert explain("implausible_speed", {}, BUS, {"grams": 134}, {}) == (
        "速度不合理：5.0 公里用时 2 分钟",
        "Implausible speed: 5.0 km in 2 minutes",
    )


def test_a_stale_report_names_its_age_and_a_cap_its_count() -> None:
    context = {"now": "2026-12-30T08:00:00+08:00"}
    zh, en = explain("stale", {}, BUS, {}, context)
    assert (zh, en) == (
        "上报过晚：行为发生在 40 天前，超出时效窗口",
        "Reported too late: it happened 40 days before it was checked",
    )
    caps = [
        {
            "reason": "daily_cap",
            "measure": "grams",
            "limit": "3000",
            "used_before": "2900",
            "amount": "134",
            "clip": True,
            "clipped_to": 100,
        },
        {
            "reason": "daily_cap",
            "measure": "actions",
            "limit": "10",
            "used_before": "10",
            "amount": "1",
            "clip": False,
        },
    ]
    assert explain("daily_cap", {}, BUS, {"caps": caps}, {})[0] == "超出每日上限：当日已计 10 次，上限 10 次"


def test_summaries_and_names() -> None:
    assert summary(BUS) == "5.0 km"
    assert summary({"energy_kwh": "12.46"}) == "12.5 kWh"
    assert summary({"odometer_start_km": 100, "odometer_end_km": 142.25}) == "42.3 km"
    assert summary({"order": "x"}) is None
    assert names("Bus trip (公交出行)") == ("公交出行", "Bus trip")
    assert names("Plain") == ("Plain", "Plain")
