"""No combination of city queries reveals a suppressed cell (issue 13).

A demo city is seeded through the real pipeline and published. The attacker then reads everything the API
will give (every period by every grouping, and the summary) and tries: two ranges a day, a week or a month
apart; a period minus its sub-periods; all districts minus the others; a family minus its methodologies;
and finally every published equation at once, solved as a linear system. Nothing hidden is recovered.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pytest

from service.city import grid, periods
from service.demo import seed_demo
from service.identity.principal import Role
from tests.integration.city.conftest import published

GROUPINGS = ["", "district", "methodology", "family", "district,methodology", "district,family"]
Key = tuple[str, str, str, str]  # kind, period label, district, scenario
Values = tuple[int, int, int] | None  # grams, actions, coins; None when suppressed


@pytest.fixture
async def city(app, database, settings, monkeypatch) -> Any:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TANBI_DEMO_RESIDENTS", "200")
    services = app.state.services
    await seed_demo(settings, database, services.queue, services.registry)
    await published(database, settings, services.registry)
    return services.registry


async def test_no_query_or_combination_of_queries_reveals_a_suppressed_cell(
    client, settings, city, bearer
) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(Role.CITY, "1")
    today = dt.datetime.now(settings.zone).date()
    seen: dict[Key, Values] = {}
    for year in {today.year, (today - dt.timedelta(days=100)).year}:
        await _read(client, headers, seen, "y", dt.date(year, 1, 1), dt.date(year, 12, 31), "month")
    for month in _months(today - dt.timedelta(days=100), today):
        await _read(client, headers, seen, "m", month, periods.end("m", month), "day")
    # group_by=year reads the same year cells: they must read the same, and add nothing to subtract.
    first_year = (today - dt.timedelta(days=100)).year
    await _read(client, headers, seen, None, dt.date(first_year, 1, 1), dt.date(today.year, 12, 31), "year")
    await _summary(client, headers, seen)

    hidden = [key for key, values in seen.items() if values is None]
    assert len(hidden) > 50, "the seeded city has small groups to protect"
    assert any(key[0] == "d" for key in hidden)

    # Weeks straddle months: not published at all.
    week = periods.start("w", today - dt.timedelta(days=30)).isoformat()
    week_end = (periods.start("w", today - dt.timedelta(days=30)) + dt.timedelta(days=6)).isoformat()
    for params in ({"group_by": "week"}, {"from": week, "to": week_end}):
        response = await client.get("/v1/city/reductions", params=params, headers=headers)
        assert response.status_code == 422, params
    # Ranges a day, a week or a month apart: only whole periods are answered, and as cells.
    for first, last in _shifted_ranges(today):
        response = await client.get(
            "/v1/city/reductions", params={"from": first, "to": last}, headers=headers
        )
        assert response.status_code == 422, (first, last)
        assert response.json()["code"] == "range_not_a_period"

    relations = _relations(seen, city.families())
    assert relations, "the crawl found the hierarchy"
    for parent, parts in relations:
        members = [parent, *parts]
        assert sum(seen[m] is None for m in members) != 1, (parent, parts)  # one subtraction
    cells = {key: grid.Cell(suppressed="x" if values is None else None) for key, values in seen.items()}
    equations = [grid.Relation(parent, tuple(parts)) for parent, parts in relations]  # type: ignore[arg-type]
    assert grid.determined(cells, equations) == set()  # every equation at once

    for parent, parts in relations:  # and the equations the crawl can check do hold
        if seen[parent] is not None and all(seen[p] is not None for p in parts):
            assert seen[parent] == tuple(map(sum, zip(*(seen[p] for p in parts), strict=True))), parent


async def _read(client, headers, seen, whole, first, last, time) -> None:  # type: ignore[no-untyped-def]
    """One range by every grouping, with and without the time dimension; records each cell once and
    checks that a cell read twice reads the same."""
    for dims in GROUPINGS:
        for with_time in (True, False) if whole else (True,):
            group_by = ",".join(filter(None, [time if with_time else "", dims]))
            params = {"from": first.isoformat(), "to": last.isoformat(), "group_by": group_by}
            response = await client.get("/v1/city/reductions", params=params, headers=headers)
            assert response.status_code == 200, response.text
            body = response.json()
            for group in body["groups"]:
                _record(seen, _key(group, time if with_time else None, whole, first), group)
            if body["total"] is not None:
                _record(seen, (whole, periods.label(whole, first), "*", "*"), body["total"])


def _key(group: dict[str, Any], time: str | None, whole: str | None, first: dt.date) -> Key:
    if time:
        kind = periods.TIME_KINDS[time]
        label = group[time]
    else:
        kind, label = whole, periods.label(whole, first)  # type: ignore[arg-type]
    if "methodology" in group:
        scenario = group["methodology"]
    elif "family" in group:
        scenario = "family:" + group["family"]
    else:
        scenario = "*"
    return (kind, label, group.get("district", "*"), scenario)


def _record(seen: dict[Key, Values], key: Key, group: dict[str, Any]) -> None:
    values = None if group["suppressed"] else (group["grams"], group["actions"], group["coins"])
    assert seen.setdefault(key, values) == values, key  # consistent across every query that shows it


async def _summary(client, headers, seen) -> None:  # type: ignore[no-untyped-def]
    body = (await client.get("/v1/city/summary", headers=headers)).json()
    year = str(body["this_year"]["year"])
    blocks = [(("a", "all", "*", "*"), body["to_date"]), (("y", year, "*", "*"), body["this_year"])]
    for family in body["families"]:
        blocks += [
            (("a", "all", "*", f"family:{family['id']}"), family["to_date"]),
            (("y", year, "*", f"family:{family['id']}"), family["this_year"]),
        ]
    for key, block in blocks:
        if block["actions"] != 0:  # zero: nobody, a cell the grid does not hold
            _record(seen, key, block)


def _relations(seen: dict[Key, Values], families: dict[str, str]) -> list[tuple[Key, list[Key]]]:
    """The equations an attacker knows, built from the crawl alone: a period is its sub-periods, all
    districts are each district, all methodologies each family, a family each of its methodologies."""
    parts: dict[tuple[Key, str], list[Key]] = defaultdict(list)
    for key in seen:
        for parent, along in _parents(key, families):
            parts[(parent, along)].append(key)
    # The attacker knows a parent's value, or that it is hidden, when the API published it.
    return [(parent, found) for (parent, _), found in parts.items() if parent in seen]


def _parents(key: Key, families: dict[str, str]) -> list[tuple[Key, str]]:
    kind, label, district, scenario = key
    out: list[tuple[Key, str]] = []
    if kind == "d":
        day = dt.date.fromisoformat(label)
        out.append((("m", day.strftime("%Y-%m"), district, scenario), "days of the month"))
    elif kind == "m":
        out.append((("y", label[:4], district, scenario), "months"))
    elif kind == "y":
        out.append((("a", "all", district, scenario), "years"))
    if district != "*":
        out.append(((kind, label, "*", scenario), "districts"))
    if scenario.startswith("family:"):
        out.append(((kind, label, district, "*"), "families"))
    elif scenario != "*":
        out.append(((kind, label, district, "family:" + families[scenario]), "methodologies"))
    return out


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    return [start for start, _, _ in periods.buckets("m", first, last)]


def _shifted_ranges(today: dt.date) -> list[tuple[str, str]]:
    """A period and the same range one day, one week or one month longer or shorter."""
    month = periods.start("m", today - dt.timedelta(days=40))
    end = periods.end("m", month)
    day, week, a_month = dt.timedelta(days=1), dt.timedelta(days=7), dt.timedelta(days=30)
    ranges = [(month, end - day), (month, end + day), (month + day, end), (month, end - week)]
    ranges += [(month, end + week), (month, end + a_month), (month - a_month, end)]
    return [(first.isoformat(), last.isoformat()) for first, last in ranges]
