"""The city in tonnes, by year, and against targets per family and per district (issue 15, part 7).

- ``unit=t|kg|g``: grams stay exact integers; ``co2e`` beside them is the same mass in the unit asked for,
  rounded half up (tonnes to 2 decimals, kilograms to 1), and the CSV's header names the unit;
- ``group_by=year``: whole years, read from the published grid's year cells;
- targets: ``annual_tonnes`` may name families and districts, and the summary reports each one's progress.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from pydantic import ValidationError

from service.city.schemas import ReductionsOut, SummaryOut
from service.city.targets import load_targets
from service.city.units import convert
from service.identity.principal import Role
from service.settings import Settings
from tests.integration.city.conftest import published, trips

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
DAY = dt.date(2026, 11, 10)
LAST_YEAR = dt.date(2025, 6, 3)

TARGETS = """
[[target]]
id = "live_scenarios"
zh = "碳普惠场景上线数"
en = "Live scenarios"
unit = "families"
target = 3
due = "2025-12-31"

[[target]]
id = "annual_tonnes"
zh = "年度减排量"
en = "CO2e avoided this year"
unit = "t CO2e"
target = 2000
due = "year-end"

[target.families]
public_transport = 0.5
low_carbon_consumption = 100

[target.districts]
chashan = 0.02
ganlu = 0.01
zequan = 1
"""


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The suite's settings with a targets file naming families and districts (read through the app)."""
    path = tmp_path / "targets.toml"
    path.write_text(TARGETS, encoding="utf-8")
    return settings.model_copy(update={"city": settings.city.model_copy(update={"targets_file": path})})


def test_conversion_rounds_half_up_to_the_units_decimals() -> None:
    assert convert(10_005_000, "t") == 10.01  # not "10 t"
    assert convert(10_004_999, "t") == 10.0
    assert convert(1_250, "kg") == 1.3
    assert convert(1_249, "kg") == 1.2
    assert convert(1_234, "g") == 1_234
    assert isinstance(convert(1_234, "g"), int)
    assert convert(None, "t") is None
    assert convert(0, "t") == 0.0


async def _city(database, settings, registry, sizes: dict[str, int], days: list[dt.date]) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        for district, residents in sizes.items():
            for _ in range(residents):
                await trips(session, settings, registry, district, days)
        await session.commit()
    await published(database, settings, registry)


async def test_reductions_in_tonnes_and_kilograms(client, database, settings, registry, bearer) -> None:  # type: ignore[no-untyped-def]
    await _city(database, settings, registry, {"chashan": 12, "ganlu": 3}, [DAY])
    city = bearer(Role.CITY, "1")
    query = NOVEMBER | {"group_by": "district"}
    grams = (await client.get("/v1/city/reductions", params=query, headers=city)).json()
    assert grams["unit"] == "g"
    assert grams["total"]["co2e"] == grams["total"]["grams"]
    for unit, decimals, per in (("t", 2, 1_000_000), ("kg", 1, 1_000)):
        response = await client.get("/v1/city/reductions", params=query | {"unit": unit}, headers=city)
        body = ReductionsOut.model_validate_json(response.content, strict=True)
        raw = response.json()
        assert body.unit == unit
        cells = zip([*raw["groups"], raw["total"]], [*grams["groups"], grams["total"]], strict=True)
        for group, same in cells:
            assert group["grams"] == same["grams"]  # grams stay grams
            if group["suppressed"]:
                assert group["co2e"] is None
            else:
                assert group["co2e"] == round(group["grams"] / per + 1e-12, decimals)
        as_csv = await client.get("/v1/city/reductions.csv", params=query | {"unit": unit}, headers=city)
        text = as_csv.content.decode("utf-8-sig")
        header = text.splitlines()[0]
        assert header == f"district,suppressed,grams,co2e_{unit},actions,coins,participants"
        rows = list(csv.DictReader(io.StringIO(text)))
        assert rows[-1][f"co2e_{unit}"] == str(raw["total"]["co2e"])
        assert [r[f"co2e_{unit}"] for r in rows if r["suppressed"] == "true"] == ["", ""]
    default_csv = await client.get("/v1/city/reductions.csv", params=query, headers=city)
    assert default_csv.content.decode("utf-8-sig").splitlines()[0] == (
        "district,suppressed,grams,actions,coins,participants"  # as before: grams are the unit
    )
    refused = await client.get("/v1/city/reductions", params=query | {"unit": "lb"}, headers=city)
    assert (refused.status_code, refused.json()["code"]) == (422, "validation_error")


async def test_reductions_by_year(client, database, settings, registry, bearer) -> None:  # type: ignore[no-untyped-def]
    await _city(database, settings, registry, {"chashan": 11, "jiangyi": 12}, [LAST_YEAR, DAY])
    city = bearer(Role.CITY, "1")
    years = {"from": "2025-01-01", "to": "2026-12-31"}
    by_year = years | {"group_by": "year", "unit": "t"}
    body = (await client.get("/v1/city/reductions", params=by_year, headers=city)).json()
    ReductionsOut.model_validate(body, strict=False)
    assert [g["year"] for g in body["groups"]] == ["2025", "2026"]
    assert body["total"] is None  # two years are not one period
    for group in body["groups"]:
        assert (group["participants"], group["actions"]) == (23, 23)
    # A year's cell is the same cell a one-year query's total reads.
    for group in body["groups"]:
        year = group["year"]
        one = (
            await client.get(
                "/v1/city/reductions", params={"from": f"{year}-01-01", "to": f"{year}-12-31"}, headers=city
            )
        ).json()
        assert one["total"]["grams"] == group["grams"]
    by_district = (
        await client.get("/v1/city/reductions", params=years | {"group_by": "year,district"}, headers=city)
    ).json()
    assert {(g["year"], g["district"]) for g in by_district["groups"]} == {
        (y, d) for y in ("2025", "2026") for d in ("chashan", "jiangyi")
    }
    one_year = {"from": "2026-01-01", "to": "2026-12-31", "group_by": "year"}
    single = (await client.get("/v1/city/reductions", params=one_year, headers=city)).json()
    assert single["total"]["grams"] == single["groups"][0]["grams"]
    as_csv = await client.get("/v1/city/reductions.csv", params=years | {"group_by": "year"}, headers=city)
    assert [line.split(",")[0] for line in as_csv.content.decode("utf-8-sig").splitlines()] == [
        "year",
        "2025",
        "2026",
    ]
    for params, code in (
        (years | {"to": "2026-11-30", "group_by": "year"}, "range_not_whole_periods"),
        ({"from": "2025-02-01", "to": "2026-12-31", "group_by": "year"}, "range_not_whole_periods"),
        (years | {"group_by": "month,year"}, "invalid_group_by"),
    ):
        response = await client.get("/v1/city/reductions", params=params, headers=city)
        assert (response.status_code, response.json()["code"]) == (422, code), params


def _recent(settings: Settings) -> dt.date:
    """A day this year a couple of days back (today itself on January 1st or 2nd)."""
    today = dt.datetime.now(settings.zone).date()
    back = today - dt.timedelta(days=2)
    return back if back.year == today.year else today


async def test_the_summary_in_tonnes_with_targets_per_family_and_district(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    await _city(database, settings, registry, {"chashan": 12, "ganlu": 3, "jiangyi": 10}, [_recent(settings)])
    city = bearer(Role.CITY, "1")
    response = await client.get("/v1/city/summary", params={"unit": "t"}, headers=city)
    summary = SummaryOut.model_validate_json(response.content, strict=True)
    body = response.json()
    assert body["unit"] == "t"
    assert body["this_year"]["co2e"] == round(body["this_year"]["grams"] / 1e6 + 1e-12, 2)
    transit = next(f for f in body["families"] if f["id"] == "public_transport")
    assert transit["this_year"]["co2e"] == round(transit["this_year"]["grams"] / 1e6 + 1e-12, 2)

    annual = next(t for t in summary.targets if t.id == "annual_tonnes")
    families = {p.id: p for p in annual.families}
    assert list(families) == ["public_transport", "low_carbon_consumption"]  # the file's order
    assert families["public_transport"].zh == "公交出行"
    assert families["public_transport"].actual == round(transit["this_year"]["grams"] / 1e6, 2)
    assert families["public_transport"].progress == round(families["public_transport"].actual / 0.5, 4)
    nobody = families["low_carbon_consumption"]
    assert (nobody.actual, nobody.progress, nobody.suppressed) == (0.0, 0.0, False)

    districts = {p.id: p for p in annual.districts}
    assert list(districts) == ["chashan", "ganlu", "zequan"]
    assert districts["chashan"].en == "Chashan Subdistrict"
    year = _recent(settings).year
    this_year = {"from": f"{year}-01-01", "to": f"{year}-12-31", "group_by": "district"}
    shown = {
        g["district"]: g
        for g in (await client.get("/v1/city/reductions", params=this_year, headers=city)).json()["groups"]
    }
    assert districts["chashan"].actual == round(shown["chashan"]["grams"] / 1e6, 2)
    assert districts["chashan"].suppressed is False
    assert shown["ganlu"]["suppressed"]
    assert districts["ganlu"].suppressed is True  # fewer than k: hidden, not a guessed zero
    assert (districts["ganlu"].actual, districts["ganlu"].progress) == (None, None)
    assert (districts["zequan"].actual, districts["zequan"].suppressed) == (0.0, False)  # nobody there
    live = next(t for t in summary.targets if t.id == "live_scenarios")
    assert (live.families, live.districts) == ([], [])

    as_csv = (await client.get("/v1/city/summary.csv", params={"unit": "kg"}, headers=city)).text
    lines = as_csv.splitlines()
    grams_at = lines.index(f"to_date,grams,{body['to_date']['grams']}")
    assert lines[grams_at + 1] == f"to_date,co2e_kg,{round(body['to_date']['grams'] / 1000 + 1e-12, 1)}"
    assert "target:annual_tonnes:family:public_transport,target,0.5" in lines
    assert "target:annual_tonnes:district:ganlu,actual," in lines
    plain = (await client.get("/v1/city/summary.csv", headers=city)).text
    assert "co2e" not in plain


def test_targets_files_that_cannot_be_measured_are_refused(tmp_path: Path) -> None:
    bad = {
        "live_by_family": TARGETS.replace('due = "2025-12-31"', 'due = "2025-12-31"\nfamilies = {x = 1}'),
        "split_live": TARGETS.replace(
            'due = "2025-12-31"', 'due = "2025-12-31"\n[target.families]\npublic_transport = 1'
        ),
        "misspelt": TARGETS.replace("[target.districts]", "[target.distrcts]"),
        "zero": TARGETS.replace("zequan = 1", "zequan = 0"),
    }
    for name, text in bad.items():
        path = tmp_path / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ValidationError):
            load_targets(path, None)
    path = tmp_path / "unknown-district.toml"
    path.write_text(TARGETS.replace("zequan = 1", "atlantis = 1"), encoding="utf-8")
    with pytest.raises(ValueError, match="atlantis"):
        load_targets(path, frozenset({"chashan", "ganlu", "zequan"}))
    shipped = load_targets(None, None)
    assert [t.id for t in shipped] == ["live_scenarios", "annual_tonnes"]


def test_the_document_says_the_unit(tmp_path: Path) -> None:
    from service.app import create_app

    document = create_app(Settings(data_dir=tmp_path)).openapi_schema.to_schema()
    routes = ("/v1/city/reductions", "/v1/city/reductions.csv", "/v1/city/summary", "/v1/city/summary.csv")
    for path in routes:
        unit = next(p for p in document["paths"][path]["get"]["parameters"] if p["name"] == "unit")
        assert unit["schema"]["enum"] == ["t", "kg", "g"], path
        assert "tonnes, 2 decimals" in unit["description"]
    schemas = document["components"]["schemas"]
    for model in ("GroupOut", "BlockOut"):
        assert "tonnes to 2 decimals" in schemas[model]["properties"]["co2e"]["description"]
    assert "(YYYY)" in schemas["GroupOut"]["properties"]["year"]["description"]
    assert "year" in schemas["ReductionsOut"]["properties"]["group_by"]["items"]["enum"]
    assert "TargetPartOut" in schemas
    for name in ("/v1/city/reductions.csv", "/v1/city/summary.csv"):
        assert "co2e_t" in document["paths"][name]["get"]["responses"]["200"]["description"]
