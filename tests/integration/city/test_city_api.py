"""The city API: who may read it, suppression that survives subtraction, CSV, the summary's numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io

import sqlalchemy as sa

from service.identity.principal import Role
from service.ledger.models import Account
from tests.integration.city.conftest import published, trips

DAY = dt.date(2026, 11, 10)
QUERY = {"from": "2026-11-01", "to": "2026-11-30"}


async def _city(database, settings, registry, sizes: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        for district, residents in sizes.items():
            for _ in range(residents):
                await trips(session, settings, registry, district, [DAY])
        await session.commit()
    await published(database, settings, registry)


async def test_a_small_group_cannot_be_recovered_from_the_total(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    await _city(database, settings, registry, {"chashan": 12, "jiangyi": 15, "ganlu": 3})
    city = bearer(Role.CITY, "1")
    body = (
        await client.get("/v1/city/reductions", params=QUERY | {"group_by": "district"}, headers=city)
    ).json()
    groups = {g["district"]: g for g in body["groups"]}
    assert groups["ganlu"] == {
        "district": "ganlu",
        "suppressed": True,
        "grams": None,
        "co2e": None,
        "actions": None,
        "coins": None,
        "participants": None,
    }
    assert body["total"]["participants"] == 30
    assert body["total"]["suppressed"] is False
    # The attack: the published total minus every group still shown. It must not be ganlu's own number.
    shown = sum(g["grams"] for g in body["groups"] if not g["suppressed"])
    ganlu_grams = body["total"]["grams"] * 3 // 30  # every resident made the same trip
    assert body["total"]["grams"] - shown != ganlu_grams
    assert sum(g["suppressed"] for g in body["groups"]) == 2  # the smaller of the others went with it
    assert groups["chashan"]["suppressed"] is True
    assert groups["jiangyi"]["participants"] == 15


async def test_every_line_of_a_two_way_grouping_hides_zero_or_several(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    await _city(database, settings, registry, {"chashan": 12, "jiangyi": 11, "ganlu": 3, "zequan": 10})
    async with database.session() as session:
        for _ in range(11):
            await trips(session, settings, registry, "chashan", [DAY], kind="bike")
        await session.commit()
    await published(database, settings, registry)
    query = QUERY | {"group_by": "methodology,district"}
    body = (await client.get("/v1/city/reductions", params=query, headers=bearer(Role.AUDITOR, "2"))).json()
    groups = body["groups"]
    for along, other in (("district", "methodology"), ("methodology", "district")):
        for value in {g[other] for g in groups}:
            line = [g for g in groups if g[other] == value]
            hidden = sum(g["suppressed"] for g in line)
            assert len(line) == 1 or hidden != 1, (along, value, line)
    assert all(g["participants"] is None or g["participants"] >= 10 for g in groups)


async def test_only_city_users_and_auditors_read_it(client, bearer) -> None:  # type: ignore[no-untyped-def]
    for role in (Role.RESIDENT, Role.MERCHANT, Role.PARTNER):
        response = await client.get("/v1/city/summary", headers=bearer(role, "1"))
        assert response.status_code == 403
        assert response.json()["code"] == "wrong_role"
    assert (await client.get("/v1/city/reductions")).status_code == 401


async def test_bad_queries_get_clear_errors(client, bearer) -> None:  # type: ignore[no-untyped-def]
    city = bearer(Role.CITY, "1")
    cases = [
        ({"group_by": "planet"}, "invalid_group_by"),
        ({"group_by": "month,day"}, "invalid_group_by"),
        ({"group_by": "district,district"}, "invalid_group_by"),
        ({"from": "2026-13-01"}, "invalid_date"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "invalid_range"),
        ({"from": "2020-01-01", "to": "2026-11-01"}, "invalid_range"),
        ({"from": "2026-11-02", "to": "2026-11-03"}, "range_not_a_period"),
        ({"from": "2026-11-02", "to": "2026-11-30", "group_by": "month"}, "range_not_whole_periods"),
    ]
    for params, code in cases:
        response = await client.get("/v1/city/reductions", params=params, headers=city)
        assert response.status_code == 422, params
        assert response.json()["code"] == code, params


async def test_csv_says_the_same_as_json(client, database, settings, registry, bearer) -> None:  # type: ignore[no-untyped-def]
    await _city(database, settings, registry, {"chashan": 12, "ganlu": 3, "jinhu": 11})
    city = bearer(Role.CITY, "1")
    query = QUERY | {"group_by": "month,district"}
    as_json = (await client.get("/v1/city/reductions", params=query, headers=city)).json()
    for response in (
        await client.get("/v1/city/reductions.csv", params=query, headers=city),
        await client.get("/v1/city/reductions", params=query, headers=city | {"accept": "text/csv"}),
    ):
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert len(rows) == len(as_json["groups"]) + 1
        for row, group in zip(rows, as_json["groups"], strict=False):
            assert (row["month"], row["district"]) == (group["month"], group["district"])
            assert row["suppressed"] == str(group["suppressed"]).lower()
            assert row["grams"] == ("" if group["grams"] is None else str(group["grams"]))
        assert rows[-1]["month"] == "total"
        assert rows[-1]["grams"] == str(as_json["total"]["grams"])


async def test_the_summary_matches_the_ledger_and_the_counters(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    await _city(database, settings, registry, {"chashan": 6, "sujiadang": 6})
    body = (await client.get("/v1/city/summary", headers=bearer(Role.CITY, "1"))).json()
    async with database.session() as session:
        balances = dict((await session.execute(sa.select(Account.code, Account.balance))).all())
    wallets = sum(b for code, b in balances.items() if code.startswith("wallet:"))
    issued = -sum(b for code, b in balances.items() if code.startswith("issuance"))
    assert body["coins"]["outstanding"] == wallets > 0
    assert body["coins"]["issued"] == issued
    assert body["to_date"]["participants"] == 12
    assert body["to_date"]["actions"] == 12
    assert body["to_date"]["coins"] == issued
    live = next(t for t in body["targets"] if t["id"] == "live_scenarios")
    assert live["target"] == 3
    assert live["actual"] in (0, 1)  # the trips are dated before or within the live window
    tonnes = next(t for t in body["targets"] if t["id"] == "annual_tonnes")
    assert tonnes["actual"] == round(body["this_year"]["grams"] / 1_000_000, 2)
    assert {d["code"] for d in body["districts"]} >= {"chashan", "ganlu", "unknown"}
    assert {m["id"] for m in body["methodologies"]} >= {"bus_trip", "ev_charging"}
    small = (await client.get("/v1/city/summary.csv", headers=bearer(Role.AUDITOR, "1"))).text
    assert "to_date,participants,12" in small


async def test_residents_set_their_district_and_partners_may_give_one(client, bearer, database) -> None:  # type: ignore[no-untyped-def]
    login = (await client.post("/v1/auth/dev", json={"phone": "13800000777"})).json()
    me = {"Authorization": f"Bearer {login['access_token']}"}
    refused = await client.patch("/v1/me", json={"district": "atlantis"}, headers=me)
    assert refused.status_code == 422
    assert refused.json()["code"] == "unknown_district"
    assert (await client.get("/v1/me", headers=me)).json()["district"] is None
    changed = await client.patch("/v1/me", json={"district": "zequan"}, headers=me)
    assert changed.status_code == 200, changed.text
    assert changed.json()["district"] == "zequan"
    assert (await client.patch("/v1/me", json={"display_name": "Li"}, headers=me)).json()[
        "district"
    ] == "zequan"
    assert (await client.patch("/v1/me", json={"district": None}, headers=me)).json()["district"] is None


async def test_the_city_reads_by_the_plans_families(client, database, settings, registry, bearer) -> None:  # type: ignore[no-untyped-def]
    """A resident who rode a bus and a shared bike is one participant of 公交出行; the summary reports each
    family, and the plan's live scenarios are counted in families."""
    recent = (dt.datetime.now(settings.zone) - dt.timedelta(days=2)).date()
    async with database.session() as session:
        for n in range(12):
            resident = await trips(session, settings, registry, "chashan", [recent])
            if n < 11:  # eleven of them also rode a shared bike
                await _bike_for(session, settings, registry, resident, recent)
        await session.commit()
    await published(database, settings, registry)
    city = bearer(Role.CITY, "1")
    query = {"from": recent.isoformat(), "to": recent.isoformat()}
    by_family = (
        await client.get("/v1/city/reductions", params=query | {"group_by": "family"}, headers=city)
    ).json()
    by_methodology = (
        await client.get("/v1/city/reductions", params=query | {"group_by": "methodology"}, headers=city)
    ).json()
    assert [g["family"] for g in by_family["groups"]] == ["public_transport"]
    family = by_family["groups"][0]
    methodologies = {g["methodology"]: g for g in by_methodology["groups"]}
    assert family["participants"] == 12  # not 12 + 11
    assert family["grams"] == sum(g["grams"] for g in methodologies.values())
    assert family["actions"] == 23
    both = (
        await client.get(
            "/v1/city/reductions", params=query | {"group_by": "family,methodology"}, headers=city
        )
    ).json()
    assert {(g["family"], g["methodology"]) for g in both["groups"]} == {
        ("public_transport", "bus_trip"),
        ("public_transport", "bike_share_ride"),
    }
    as_csv = await client.get("/v1/city/reductions.csv", params=query | {"group_by": "family"}, headers=city)
    csv_rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert csv_rows[0]["family"] == "public_transport"
    assert csv_rows[0]["participants"] == "12"

    summary = (await client.get("/v1/city/summary", headers=city)).json()
    families = {f["id"]: f for f in summary["families"]}
    assert list(families) == [f["id"] for f in summary["family_labels"]]
    assert len(families) == 6
    transit = families["public_transport"]
    assert transit["zh"] == "公交出行"
    assert transit["live"] is True
    assert {"bus_trip", "metro_trip", "bike_share_ride"} <= set(transit["methodologies"])
    assert transit["this_year"]["participants"] == 12
    assert transit["this_year"]["grams"] == family["grams"]
    nobody = families["online_payment"]["this_year"]
    assert (nobody["suppressed"], nobody["participants"], nobody["grams"]) == (False, 0, 0)
    assert not families["online_payment"]["live"]
    live = next(t for t in summary["targets"] if t["id"] == "live_scenarios")
    assert (live["actual"], live["unit"]) == (1, "families")  # bus and bike are one of the plan's scenarios
    labels = {m["id"]: m["family"] for m in summary["methodologies"]}
    assert labels["bike_share_ride"] == "public_transport"


async def _bike_for(session, settings, registry, resident: int, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.actions.conftest import ZONE, actions_for, bike

    start = dt.datetime(day.year, day.month, day.day, 18, tzinfo=ZONE)
    service = actions_for(session, settings, registry, clock=lambda: start + dt.timedelta(hours=2))
    recorded = await service.record_action(
        resident, "bike_share_ride", bike(start), None, f"bike:{resident}:{day}"
    )
    assert recorded.action.status == "accepted", recorded.action.reasons
