"""The city's JSON bodies are exactly what service/city/schemas.py documents, and the document says so.

The handlers return plain dicts (report_json, summary); these tests hold every body the API gives against
its model in strict mode with no extra keys allowed, for every grouping, with and without suppression and
before the first publication.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel

import service.actions.schemas
import service.city.schemas
import service.methodology.schemas
import service.partners.schemas
from methodologies._sdk.families import FAMILY_IDS
from service.app import create_app
from service.city import grid
from service.city.publication import publish
from service.city.reductions import DIMENSIONS
from service.city.schemas import CellFamily, GroupBy, ReductionsOut, SummaryOut, SuppressionReason
from service.db.base import utcnow
from service.identity.principal import Role
from service.methodology.schemas import FamilyId
from service.settings import CitySettings, Settings
from tests.integration.city.conftest import published, trips

DAY = dt.date(2026, 11, 10)
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
GROUPINGS = [
    None,
    "day",
    "month",
    "family",
    "methodology",
    "district",
    "family,methodology",
    "day,district",
    "month,family",
    "methodology,district",
]
# District -> (residents who took the bus, others who took a shared bike); None: residents without one.
# ganlu's and the district-less residents are fewer than k = 10, so their cells are hidden.
CITY = {"chashan": (12, 4), "jiangyi": (11, 4), "ganlu": (3, 3), None: (2, 2)}
RESIDENTS = sum(by_bus + by_bike for by_bus, by_bike in CITY.values())
FIGURES = ("grams", "co2e", "actions", "coins", "participants")
JSON_ROUTES = {"/v1/city/reductions": "ReductionsOut", "/v1/city/summary": "SummaryOut"}
CSV_ROUTES = ("/v1/city/reductions.csv", "/v1/city/summary.csv")
SCHEMA_MODULES = (
    service.actions.schemas,
    service.city.schemas,
    service.methodology.schemas,
    service.partners.schemas,
)


def test_the_fixed_sets_are_the_codes() -> None:
    assert get_args(FamilyId) == FAMILY_IDS
    assert get_args(CellFamily) == (*FAMILY_IDS, grid.UNKNOWN_FAMILY)
    assert get_args(GroupBy) == DIMENSIONS
    assert get_args(SuppressionReason) == (grid.PRIMARY, grid.COMPLEMENT)


async def _seed(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    """Bus riders (every other one on two days) and shared-bike riders in November, then the publication."""
    async with database.session() as session:
        for district, (by_bus, by_bike) in CITY.items():
            for n in range(by_bus):
                days = [DAY, DAY + dt.timedelta(days=1)] if n % 2 else [DAY]
                await trips(session, settings, registry, district, days)
            for _ in range(by_bike):
                await trips(session, settings, registry, district, [DAY], kind="bike")
        await session.commit()
    await published(database, settings, registry)


def _reductions(content: bytes, group_by: str | None) -> ReductionsOut:
    """The body as its model (strict, no extra keys), checked for what the model cannot say."""
    report = ReductionsOut.model_validate_json(content, strict=True)
    body = json.loads(content)
    asked = [] if group_by is None else group_by.split(",")
    assert body["group_by"] == asked
    for group in body["groups"]:  # exactly the grouping's keys, never a null one
        assert set(group) - {"suppressed", *FIGURES} == set(asked), group
    if body["total"] is not None:
        assert set(body["total"]) == {"suppressed", *FIGURES}
    for cell in [*body["groups"], *([body["total"]] if body["total"] else [])]:
        figures = [cell[name] for name in FIGURES]
        if cell["suppressed"]:
            assert figures == [None] * len(FIGURES), cell
        else:
            assert None not in figures, cell
    return report


async def test_every_reductions_body_is_a_reductions_out(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    city = bearer(Role.CITY, "1")
    before = await client.get("/v1/city/reductions", params=NOVEMBER, headers=city)
    assert before.status_code == 200, before.text
    nothing = _reductions(before.content, None)
    assert (nothing.k, nothing.published_at, nothing.groups, nothing.total) == (None, None, [], None)

    await _seed(database, settings, registry)
    seen_suppressed = seen_unknown = False
    for group_by in GROUPINGS:
        params = NOVEMBER | ({"group_by": group_by} if group_by else {})
        response = await client.get("/v1/city/reductions", params=params, headers=city)
        assert response.status_code == 200, (group_by, response.text)
        report = _reductions(response.content, group_by)
        assert report.k == settings.city.k_anonymity
        assert report.published_at is not None
        assert report.total is not None  # November is one whole month
        assert report.groups, group_by
        seen_suppressed |= any(g.suppressed for g in report.groups)
        seen_unknown |= any(g.district == "unknown" for g in report.groups)
    assert seen_suppressed  # ganlu's residents are hidden
    assert seen_unknown  # residents without a district

    # Not one period: grouped by day over two days, there is no total.
    days = {"from": "2026-11-10", "to": "2026-11-11", "group_by": "day"}
    two_days = await client.get("/v1/city/reductions", params=days, headers=bearer(Role.AUDITOR, "2"))
    assert two_days.status_code == 200, two_days.text
    report = _reductions(two_days.content, "day")
    assert report.total is None
    assert [g.day for g in report.groups] == [DAY, DAY + dt.timedelta(days=1)]


async def test_every_summary_body_is_a_summary_out(client, database, settings, registry, bearer) -> None:  # type: ignore[no-untyped-def]
    auditor = bearer(Role.AUDITOR, "1")
    before = await client.get("/v1/city/summary", headers=auditor)
    assert before.status_code == 200, before.text
    empty = SummaryOut.model_validate_json(before.content, strict=True)
    assert (empty.published_at, empty.k) == (None, settings.city.k_anonymity)
    assert (empty.to_date.grams, empty.to_date.suppressed) == (0, False)

    await _seed(database, settings, registry)
    response = await client.get("/v1/city/summary", headers=auditor)
    summary = SummaryOut.model_validate_json(response.content, strict=True)
    body = response.json()
    assert [f.id for f in summary.families] == list(FAMILY_IDS)
    assert [f.id for f in summary.family_labels] == list(FAMILY_IDS)
    assert summary.to_date.participants == RESIDENTS
    assert "reason" not in body["to_date"]  # absent, not null, when the cell is shown
    assert summary.districts[-1].code == "unknown"
    assert {t.id for t in summary.targets} == {"live_scenarios", "annual_tonnes"}

    # A k above everyone: every cell with actions is hidden, and the blocks say why.
    async with database.session() as session:
        await publish(
            session, CitySettings().model_copy(update={"k_anonymity": 1000}), registry.families(), utcnow()
        )
        await session.commit()
    response = await client.get("/v1/city/summary", headers=auditor)
    hidden = SummaryOut.model_validate_json(response.content, strict=True)
    assert hidden.k == 1000
    assert response.json()["to_date"] == {
        "grams": None,
        "co2e": None,
        "actions": None,
        "coins": None,
        "participants": None,
        "suppressed": True,
        "reason": "fewer_than_k",
    }
    transit = next(f for f in hidden.families if f.id == "public_transport")
    assert transit.to_date.suppressed
    assert transit.to_date.reason == "fewer_than_k"


async def test_csv_is_unchanged_by_the_typing(client, database, settings, registry, bearer) -> None:  # type: ignore[no-untyped-def]
    await _seed(database, settings, registry)
    city = bearer(Role.CITY, "1")
    params = NOVEMBER | {"group_by": "district"}
    by_route = await client.get("/v1/city/reductions.csv", params=params, headers=city)
    by_accept = await client.get("/v1/city/reductions", params=params, headers=city | {"accept": "text/csv"})
    for response in (by_route, by_accept):
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["content-disposition"] == (
            'attachment; filename="reductions-2026-11-01-2026-11-30.csv"'
        )
        assert response.content.startswith("\ufeff".encode())
    assert by_route.content == by_accept.content
    lines = by_route.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "district,suppressed,grams,actions,coins,participants"
    assert lines[-1].startswith("total,false,")
    summary = await client.get("/v1/city/summary.csv", headers=city)
    assert summary.headers["content-disposition"] == 'attachment; filename="summary.csv"'
    assert summary.content.decode("utf-8-sig").splitlines()[0] == "section,name,value"
    negotiated = await client.get("/v1/city/summary", headers=city | {"accept": "text/csv"})
    assert negotiated.content == summary.content


def _document(tmp_path: Path) -> dict[str, Any]:
    return create_app(Settings(data_dir=tmp_path)).openapi_schema.to_schema()


def test_the_document_types_the_city_responses(tmp_path: Path) -> None:
    document = _document(tmp_path)
    schemas = document["components"]["schemas"]
    for path, model in JSON_ROUTES.items():
        content = document["paths"][path]["get"]["responses"]["200"]["content"]
        assert content["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model}"}
        assert content["text/csv"]["schema"]["type"] == "string"  # the Accept: text/csv alternative
    for path in CSV_ROUTES:
        ok = document["paths"][path]["get"]["responses"]["200"]
        assert list(ok["content"]) == ["text/csv"]
        assert ok["content"]["text/csv"]["schema"] == {"type": "string"}
        assert "content-disposition" in ok["headers"]
    reductions = schemas["ReductionsOut"]["properties"]
    assert list(reductions)[:2] == ["from", "to"]
    assert reductions["group_by"]["items"]["enum"] == list(DIMENSIONS)
    group = schemas["GroupOut"]
    assert set(group["required"]) == {"suppressed", *FIGURES}  # the grouping's keys are optional...
    day = group["properties"]["day"]
    assert (day["type"], day["format"]) == ("string", "date")  # ...but never null
    assert group["properties"]["family"]["enum"] == [*FAMILY_IDS, "unknown"]
    assert schemas["BlockOut"]["properties"]["reason"]["enum"] == ["fewer_than_k", "complement"]
    assert "reason" not in schemas["BlockOut"]["required"]


def _our_models() -> dict[str, type[BaseModel]]:
    return {
        name: value
        for module in SCHEMA_MODULES
        for name, value in vars(module).items()
        if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == module.__name__
    }


def test_every_property_of_these_models_is_described(tmp_path: Path) -> None:
    models = _our_models()
    assert {"ExplanationOut", "MethodologyOut", "EventStatusOut", "ReductionsOut", "SummaryOut"} <= set(
        models
    )
    assert [name for name, model in models.items() if not model.__doc__] == []
    undescribed = [
        f"{name}.{field}"
        for name, model in models.items()
        for field, info in model.model_fields.items()
        if not info.description
    ]
    assert undescribed == []
    schemas = _document(tmp_path)["components"]["schemas"]
    in_document = [
        f"{name}.{prop}"
        for name, schema in schemas.items()
        if name in models
        for prop, value in schema.get("properties", {}).items()
        if not value.get("description")
    ]
    assert in_document == []
    explanation = schemas["ExplanationOut"]["properties"]
    assert explanation["status"]["allOf"] == [{"$ref": "#/components/schemas/ActionStatus"}]
    assert explanation["family"]["enum"] == list(FAMILY_IDS)
    event = schemas["EventStatusOut"]["properties"]["status"]
    assert event["allOf"] == [{"$ref": "#/components/schemas/EventStatus"}]
    assert schemas["FamilyOut"]["properties"]["id"]["enum"] == list(FAMILY_IDS)
