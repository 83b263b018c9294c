"""Public methodology docs, the dry run (which agrees with what is credited), and parameter publishing."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from methodologies._sdk import FAMILY_IDS
from service.actions.models import Action
from service.actions.service import ActionService
from service.city.rollups import RollupLog
from service.identity.principal import Role
from tests.integration.actions.conftest import bus, charging, new_resident
from tests.methodologies import test_worked_examples as v1_examples
from tests.methodologies import test_worked_examples_v2 as v2_examples

REVISED = {"bus_trip", "metro_trip", "bike_share_ride", "ev_charging", "rooftop_solar", "car_free_day"}
NEW = {
    "online_bill",
    "e_invoice",
    "nev_driving",
    "no_cutlery_order",
    "reusable_bag",
    "second_hand_phone",
    "household_power_saving",
    "recyclables_dropoff",
}
BUILTINS = REVISED | NEW


def recent() -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)


async def test_list_documents_all_fourteen_with_family_versions_and_schema(client) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/v1/methodologies")
    assert response.status_code == 200
    listed = {m["id"]: m for m in response.json()}
    assert set(listed) == BUILTINS
    for methodology_id, item in listed.items():
        assert item["source"]
        assert item["partner"]
        assert item["family"]["id"] in FAMILY_IDS
        assert item["family"]["zh"]
        assert item["version"] in item["versions"]
        assert item["evidence_schema"]["type"] == "object"
        # Revised methodologies run code 2.0.0 on their shipped parameter version 2; new ones are at 1.
        revised = methodology_id in REVISED
        assert (item["version"], item["params_version"]) == (("2.0.0", 2) if revised else ("1.0.0", 1))
    assert {item["family"]["id"] for item in listed.values()} == set(FAMILY_IDS)
    assert listed["car_free_day"]["identifiers"] == {"plate": "plate"}


async def test_one_methodology_has_readme_schema_and_cited_parameters(client) -> None:  # type: ignore[no-untyped-def]
    body = (await client.get("/v1/methodologies/ev_charging")).json()
    assert "ev_kwh_per_100km" in body["readme"]
    assert {"session_id", "energy_kwh", "evse_id"} <= set(body["evidence_schema"]["properties"])
    parameters = {p["name"]: p for p in body["parameters"]}
    assert parameters["grid_consumed_g_per_kwh"]["value"] == "530.6"
    assert parameters["grid_consumed_g_per_kwh"]["unit"] == "g CO2 / kWh"
    assert parameters["grid_consumed_g_per_kwh"]["year"] == 2023
    assert parameters["conservativeness"]["value"] == "1.0"
    assert all(p["source"] and p["unit"] for p in body["parameters"])
    versions = [(v["version"], v["code_version"], v["created_by"]) for v in body["parameter_versions"]]
    assert versions == [(1, "1.0.0", "system"), (2, "2.0.0", "system")]
    shipped = body["parameter_versions"][1]
    assert shipped["overrides"]["gasoline_g_per_l"] == "2164.5"
    assert "grid_consumed_g_per_kwh" in shipped["overrides"]
    reasons = {r["code"]: r for r in body["reasons"]}
    assert reasons["not_eligible"]["zh"]
    assert reasons["evse_overlap"]["en"]
    assert reasons["stale"]["en"]  # the service's codes are listed with the methodology's own
    solar = (await client.get("/v1/methodologies/rooftop_solar")).json()
    assert "capacity_kwp" in solar["asset_schema"]["properties"]
    assert solar["asset_registrar"] == "partner"


async def test_unknown_methodology_is_404(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/v1/methodologies/walking", "/v1/methodologies/walking/quantify"):
        response = await (
            client.get(path) if not path.endswith("quantify") else client.post(path, json={"evidence": {}})
        )
        assert response.status_code == 404
        assert response.json()["code"] == "unknown_methodology"


async def test_dry_run_agrees_with_what_is_credited(client, app, database) -> None:  # type: ignore[no-untyped-def]
    evidence = bus(recent(), minutes=35, metres=12_400)
    dry = (await client.post("/v1/methodologies/bus_trip/quantify", json={"evidence": evidence})).json()
    assert dry["verdict"] == {"accepted": True, "reasons": []}
    assert (dry["grams"], dry["coins"], dry["params_version"]) == (333, 33, 2)
    assert dry["breakdown"]["exact_grams"] == "333.560"
    async with database.session() as session:
        before = await session.scalar(sa.select(sa.func.count()).select_from(Action))
    assert before == 0, "a dry run stores nothing"
    services = app.state.services
    async with database.session() as session:
        resident = await new_resident(session)
        recorded = await ActionService(
            session, services.settings, services.registry, rollups=RollupLog()
        ).record_action(resident, "bus_trip", evidence, None, "api:dry-vs-credit")
    assert (recorded.action.grams, recorded.action.coins) == (dry["grams"], dry["coins"])
    assert recorded.action.breakdown["exact_grams"] == dry["breakdown"]["exact_grams"]


async def test_dry_run_reports_rejections_and_bad_evidence(client) -> None:  # type: ignore[no-untyped-def]
    rejected = await client.post(
        "/v1/methodologies/ev_charging/quantify",
        json={"evidence": charging(recent(), kwh="30", hours=1) | {"max_power_kw": "7"}},
    )
    assert rejected.status_code == 200
    assert rejected.json()["verdict"] == {"accepted": False, "reasons": ["implausible_energy"]}
    assert rejected.json()["grams"] == 0
    invalid = await client.post("/v1/methodologies/bus_trip/quantify", json={"evidence": {"distance_m": -5}})
    assert invalid.status_code == 422
    assert invalid.json()["code"] == "invalid_evidence"
    assert {e["key"] for e in invalid.json()["errors"]} >= {"distance_m", "boarded_at"}
    extra = await client.post("/v1/methodologies/bus_trip/quantify", json={"evidence": {}, "surprise": 1})
    assert extra.status_code == 422


async def test_city_publishes_a_parameter_version(client, bearer) -> None:  # type: ignore[no-untyped-def]
    effective = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    body = {
        "overrides": {"grid_consumed_g_per_kwh": "531.0"},
        "reason": "2024 regional factor published",
        "effective_from": effective,
    }
    refused = await client.post(
        "/v1/methodologies/ev_charging/parameter-versions", json=body, headers=bearer(Role.RESIDENT)
    )
    assert refused.status_code == 403
    published = await client.post(
        "/v1/methodologies/ev_charging/parameter-versions", json=body, headers=bearer(Role.CITY, "5")
    )
    assert published.status_code == 201, published.text
    assert (published.json()["version"], published.json()["code_version"]) == (3, "2.0.0")
    assert published.json()["created_by"] == "city:5"
    listed = (await client.get("/v1/methodologies/ev_charging/parameter-versions")).json()
    assert [v["version"] for v in listed] == [1, 2, 3]
    # Not yet in effect: the dry run still uses version 2.
    dry = await client.post("/v1/methodologies/ev_charging/quantify", json={"evidence": charging(recent())})
    assert dry.json()["params_version"] == 2
    later = charging(dt.datetime.now(dt.UTC) + dt.timedelta(days=31))
    ahead = await client.post(
        "/v1/methodologies/ev_charging/quantify",
        json={"evidence": later, "checked_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=32)).isoformat()},
    )
    assert ahead.json()["params_version"] == 3
    bad = await client.post(
        "/v1/methodologies/ev_charging/parameter-versions",
        json=body | {"overrides": {"grid_consumed_g_per_kwh": "-3x"}},
        headers=bearer(Role.CITY, "5"),
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_parameters"


def _json(value):  # type: ignore[no-untyped-def]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value.isoformat() if isinstance(value, dt.datetime) else value


async def test_quantify_reproduces_every_worked_example_v1_and_v2(client) -> None:  # type: ignore[no-untyped-def]
    """The API's dry run gives methodologies.md's numbers: v1 with code_version 1.0.0, v2 by default."""
    for module, code_version in ((v1_examples, "1.0.0"), (v2_examples, None)):
        for methodology_id, evidence, grams, reasons in module.EXAMPLES:
            context = module.context_for(methodology_id)
            body = {"evidence": _json(evidence), "checked_at": context.now.isoformat()}
            if context.asset is not None:
                body["asset"] = dict(context.asset)
            if code_version:
                body["code_version"] = code_version
            answer = await client.post(f"/v1/methodologies/{methodology_id}/quantify", json=body)
            assert answer.status_code == 200, answer.text
            result = answer.json()
            assert result["code_version"] == (code_version or "2.0.0")
            assert result["verdict"]["reasons"] == list(reasons), (methodology_id, evidence)
            if grams is not None:
                assert result["breakdown"]["grams"] == grams, (methodology_id, evidence)


def _months(kwh: dict[str, str], default: str) -> list[dict[str, str]]:
    """The 12 months before 2026-10 at ``default`` kWh, with the months in ``kwh`` set to their values."""
    months = [f"2025-{m:02d}" for m in range(10, 13)] + [f"2026-{m:02d}" for m in range(1, 10)]
    return [{"month": m, "kwh": kwh.get(m, default)} for m in months]


def _saving(actual: str, previous: list[dict[str, str]]) -> dict[str, object]:
    return {
        "account": "3601001234567",
        "month": "2026-10",
        "kwh": actual,
        "previous_months": previous,
        "has_pv": False,
        "tariff_tier": 1,
    }


# methodologies.md's worked examples of the new scenarios that one report makes (the others need several
# reports and the service's caps: see each methodology's credit tests), with when they are checked.
NEW_EXAMPLES = [
    ("nev_driving", None, "2026-11-05T09:00:00+08:00", 66619),  # 1,000 km in a month
    ("no_cutlery_order", None, "2026-11-19T20:00:00+08:00", 10),
    ("online_bill", None, "2026-11-06T09:00:00+08:00", 5),
    ("e_invoice", None, "2026-11-19T20:00:00+08:00", 5),
    ("reusable_bag", None, "2026-11-19T20:00:00+08:00", 5),
    ("second_hand_phone", None, "2026-11-19T20:00:00+08:00", 12500),
    ("recyclables_dropoff", None, "2026-11-20T20:00:00+08:00", 1705),  # 3.6 kg paper + 1.25 kg plastic
    # B = min(same month last year 260, 12-month average 250) = 250, actual 210: 40 kWh
    (
        "household_power_saving",
        _saving("210", _months({"2025-10": "260", "2026-01": "240"}, "250")),
        "2026-11-10T09:00:00+08:00",
        21084,
    ),
    # B = 200, actual 120: the saving is capped at 30 % of B, 60 kWh
    ("household_power_saving", _saving("120", _months({}, "200")), "2026-11-10T09:00:00+08:00", 31626),
]


async def test_quantify_reproduces_the_new_scenarios_worked_examples(client, app) -> None:  # type: ignore[no-untyped-def]
    registry = app.state.services.registry
    for methodology_id, evidence, checked_at, grams in NEW_EXAMPLES:
        body = {"evidence": evidence or registry.current(methodology_id).example, "checked_at": checked_at}
        answer = await client.post(f"/v1/methodologies/{methodology_id}/quantify", json=body)
        assert answer.status_code == 200, answer.text
        result = answer.json()
        assert result["verdict"] == {"accepted": True, "reasons": []}, (methodology_id, result["verdict"])
        assert (result["grams"], result["breakdown"]["grams"]) == (grams, grams), methodology_id
