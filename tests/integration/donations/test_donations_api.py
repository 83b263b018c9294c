"""Donations over HTTP on both dialects: projects, giving, certificates, refusals, the city's changes."""

from __future__ import annotations

import re

import sqlalchemy as sa

from service.audit.models import AuditEntry
from service.identity.principal import Role
from service.ledger.verify import verify_ledger
from service.registry.check_digits import is_valid
from tests.integration.donations.conftest import balance, books, funded_resident
from tests.integration.http.serving import assert_problem

SERIAL = re.compile(r"TB-GQC-DON-(\d{4})-(\d{6})-(\d\d)")
PROJECT = {
    "kind": "mangrove",
    "name_zh": "红树林保护",
    "name_en": "Mangrove protection",
    "description_zh": "在鄱阳湖畔种植",
    "description_en": "Planting by Poyang Lake",
    "goal_coins": 500,
}


async def _setup(client, database, settings, bearer, coins: int = 100):  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await funded_resident(session, settings, coins)
        await session.commit()
    city = bearer(Role.CITY, "1")
    created = await client.post("/v1/city/welfare-projects", json=PROJECT, headers=city)
    assert created.status_code == 201, created.text
    return resident, bearer(Role.RESIDENT, str(resident)), city, created.json()


async def _verified(database) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        report = await verify_ledger(session)
        assert report.ok, report.as_text()


async def test_a_donation_moves_coins_and_shows_on_the_certificate_and_progress(
    client, database, settings, bearer
) -> None:  # type: ignore[no-untyped-def]
    resident, me, _, project = await _setup(client, database, settings, bearer)
    assert (project["raised_coins"], project["donations"], project["donors"]) == (0, 0, 0)
    given = await client.post(
        "/v1/me/donations", json={"project_id": project["id"], "coins": 30, "donor_name": "小林"}, headers=me
    )
    assert given.status_code == 201, given.text
    donation = given.json()
    match = SERIAL.fullmatch(donation["serial"])
    assert match is not None, donation["serial"]
    assert int(match[2]) == donation["id"]
    assert is_valid(donation["serial"][:-3], match[3])
    assert (donation["coins"], donation["project"]["name_en"], donation["replayed"]) == (
        30,
        "Mangrove protection",
        False,
    )
    async with database.session() as session:
        assert await balance(session, f"wallet:{resident}") == (70, 0)
        assert await balance(session, f"project:{project['id']}") == (30, 0)

    certificate = await client.get(f"/v1/donations/{donation['serial']}")
    assert certificate.status_code == 200, certificate.text
    shown = certificate.json()
    assert (shown["coins"], shown["donor"], shown["anonymous"]) == (30, "小林", False)
    assert shown["project"]["name_zh"] == "红树林保护"
    assert shown["city"]["code"] == "GQC"
    assert "resident" not in certificate.text
    assert "transfer" not in certificate.text
    lower = await client.get(f"/v1/donations/{donation['serial'].lower()}")
    assert lower.json()["serial"] == donation["serial"]

    again = await client.post("/v1/me/donations", json={"project_id": project["id"], "coins": 5}, headers=me)
    anonymous = (await client.get(f"/v1/donations/{again.json()['serial']}")).json()
    assert (anonymous["donor"], anonymous["anonymous"]) == ("匿名", True)

    progress = (await client.get(f"/v1/welfare-projects/{project['id']}")).json()
    assert (progress["raised_coins"], progress["donations"], progress["donors"]) == (35, 2, 1)
    listed = (await client.get("/v1/welfare-projects")).json()["items"]
    assert [(p["id"], p["raised_coins"], p["goal_coins"]) for p in listed] == [(project["id"], 35, 500)]
    mine = (await client.get("/v1/me/donations", headers=me)).json()
    assert [d["serial"] for d in mine["items"]] == [donation["serial"], again.json()["serial"]]
    transfers = (await client.get("/v1/me/transfers", headers=me)).json()["items"]
    gifts = [t for t in transfers if t["kind"] == "donation"]
    assert [(t["amount"], t["counterpart"]["kind"]) for t in gifts] == [
        (-5, "welfare_project"),
        (-30, "welfare_project"),
    ]
    summary = (await client.get("/v1/city/summary", headers=bearer(Role.CITY, "1"))).json()
    assert summary["coins"]["donated"] == 35
    await _verified(database)


async def test_a_retry_with_the_same_idempotency_key_gives_once(client, database, settings, bearer) -> None:  # type: ignore[no-untyped-def]
    resident, me, _, project = await _setup(client, database, settings, bearer)
    body = {"project_id": project["id"], "coins": 40}
    headers = me | {"Idempotency-Key": "gift-1"}
    first = await client.post("/v1/me/donations", json=body, headers=headers)
    second = await client.post("/v1/me/donations", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["replayed"] is True
    other = await client.post("/v1/me/donations", json=body | {"coins": 41}, headers=headers)
    assert_problem(other, 409, "idempotency_conflict")
    async with database.session() as session:
        assert await balance(session, f"wallet:{resident}") == (60, 0)
        assert (await books(session))["donations"] == 1
    await _verified(database)


async def test_not_enough_coins_is_refused_and_changes_nothing(client, database, settings, bearer) -> None:  # type: ignore[no-untyped-def]
    resident, me, _, project = await _setup(client, database, settings, bearer)
    async with database.session() as session:
        before = await books(session)
    refused = await client.post(
        "/v1/me/donations", json={"project_id": project["id"], "coins": 101}, headers=me
    )
    assert_problem(refused, 409, "insufficient_funds")
    zero = await client.post("/v1/me/donations", json={"project_id": project["id"], "coins": 0}, headers=me)
    assert_problem(zero, 422, "validation_error")
    unknown = await client.post("/v1/me/donations", json={"project_id": 999_999, "coins": 1}, headers=me)
    assert_problem(unknown, 404, "welfare_project_not_found")
    async with database.session() as session:
        assert await books(session) == before
        assert await balance(session, f"wallet:{resident}") == (100, 0)
    assert (await client.get(f"/v1/welfare-projects/{project['id']}")).json()["raised_coins"] == 0


async def test_an_inactive_project_refuses_donations_and_city_changes_are_audited(
    client, database, settings, bearer
) -> None:  # type: ignore[no-untyped-def]
    _, me, city, project = await _setup(client, database, settings, bearer)
    path = f"/v1/city/welfare-projects/{project['id']}"
    closed = await client.patch(path, json={"active": False, "goal_coins": 800}, headers=city)
    assert (closed.json()["active"], closed.json()["goal_coins"]) == (False, 800)
    refused = await client.post(
        "/v1/me/donations", json={"project_id": project["id"], "coins": 1}, headers=me
    )
    assert_problem(refused, 409, "welfare_project_inactive")
    assert_problem(await client.patch(path, json={"name_en": None}, headers=city), 422, "null_field")
    missing = await client.patch("/v1/city/welfare-projects/999999", json={"active": True}, headers=city)
    assert_problem(missing, 404, "welfare_project_not_found")
    assert_problem(await client.patch(path, json={"active": True}, headers=me), 403, "wrong_role")
    assert [p["id"] for p in (await client.get("/v1/welfare-projects?active=true")).json()["items"]] == []
    async with database.session() as session:
        rows = (
            await session.execute(
                sa.select(AuditEntry.actor, AuditEntry.action, AuditEntry.details)
                .where(AuditEntry.target == f"welfare_project:{project['id']}")
                .order_by(AuditEntry.id)
            )
        ).all()
    assert [(actor, action) for actor, action, _ in rows] == [
        ("city:1", "welfare_project.create"),
        ("city:1", "welfare_project.update"),
    ]
    assert rows[1][2] == {
        "before": {"active": True, "goal_coins": 500},
        "after": {"active": False, "goal_coins": 800},
    }


async def test_a_tampered_serial_is_422_and_an_unknown_valid_one_404(
    client, database, settings, bearer
) -> None:  # type: ignore[no-untyped-def]
    _, me, _, project = await _setup(client, database, settings, bearer)
    given = await client.post("/v1/me/donations", json={"project_id": project["id"], "coins": 3}, headers=me)
    serial = given.json()["serial"]
    body, digits = serial[:-2], serial[-2:]
    tampered = body.replace("-DON-", "-DON-").replace(body[-7:], f"{(int(body[-7:-1]) + 1):06d}-")
    assert tampered != body
    assert_problem(await client.get(f"/v1/donations/{tampered}{digits}"), 422, "serial_check_failed")
    wrong_digits = f"{body}{(int(digits) + 1) % 100:02d}"
    assert_problem(await client.get(f"/v1/donations/{wrong_digits}"), 422, "serial_check_failed")
    assert_problem(await client.get("/v1/donations/not-a-serial"), 422, "invalid_serial")
    from service.donations.serials import serial_of

    unknown = serial_of("GQC", 2026, 999_999)
    assert_problem(await client.get(f"/v1/donations/{unknown}"), 404, "donation_not_found")


async def test_erasure_keeps_the_gift_but_forgets_the_name(client, database, settings, bearer) -> None:  # type: ignore[no-untyped-def]
    _, me, _, project = await _setup(client, database, settings, bearer)
    given = await client.post(
        "/v1/me/donations", json={"project_id": project["id"], "coins": 9, "donor_name": "王女士"}, headers=me
    )
    assert (await client.delete("/v1/me", headers=me)).status_code == 204
    certificate = (await client.get(f"/v1/donations/{given.json()['serial']}")).json()
    assert (certificate["donor"], certificate["coins"]) == ("匿名", 9)
    assert (await client.get(f"/v1/welfare-projects/{project['id']}")).json()["raised_coins"] == 9
    await _verified(database)


async def test_no_route_takes_a_donation_back(app) -> None:  # type: ignore[no-untyped-def]
    methods = {
        (method, route.path)
        for route in app.routes
        if "donation" in route.path
        for method in getattr(route, "methods", ())
        if method not in {"OPTIONS", "HEAD"}
    }
    assert methods == {
        ("POST", "/v1/me/donations"),
        ("GET", "/v1/me/donations"),
        ("GET", "/v1/donations/{serial:str}"),
    }
