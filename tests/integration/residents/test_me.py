"""The resident's own data over HTTP on both dialects: wallet, actions, transfers, impact, deletion."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from service.identity.principal import Role
from service.ledger.models import Lot
from service.ledger.service import Ledger, TransferRequest
from service.ledger.verify import verify_ledger
from tests.integration.actions.conftest import NOW, actions_for, bus, new_resident
from tests.integration.merchants.conftest import new_merchant


async def _resident_with_history(database, settings, registry, phone: str = "13900000701") -> int:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await new_resident(session, phone)
        service = actions_for(session, settings, registry, clock=lambda: NOW)
        for n in range(5):
            start = NOW - dt.timedelta(days=n, hours=3)
            await service.record_action(resident, "bus_trip", bus(start), None, f"me:{resident}:{n}")
        await service.record_action(
            resident, "bus_trip", bus(NOW - dt.timedelta(hours=3), minutes=2), None, "me:fast"
        )
    return resident


async def test_wallet_actions_transfers_and_impact(client, database, settings, registry, bearer) -> None:  # type: ignore[no-untyped-def]
    resident = await _resident_with_history(database, settings, registry)
    async with database.session() as session:
        merchant = await new_merchant(session)
        ledger = Ledger(session, settings.ledger, settings.zone)
        wallet, till = await ledger.wallet(resident), await ledger.merchant_account(merchant)
        soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
        await ledger.hold(TransferRequest(wallet.id, till.id, 20, "voucher", "me-hold"), expires_at=soon)
        first_lot = await session.scalar(sa.select(Lot).where(Lot.account_id == wallet.id).order_by(Lot.id))
        first_lot.expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)  # one lot expiring soon
    me = bearer(Role.RESIDENT, str(resident))
    body = (await client.get("/v1/me/wallet", headers=me)).json()
    assert (body["available"], body["held"]) == (5 * 13 - 20, 20)
    assert len(body["lots"]) == 5
    assert body["lots"][0]["expires_at"] < body["lots"][1]["expires_at"]
    assert body["expiring_30d"] == first_lot.remaining - first_lot.held

    page1 = (await client.get("/v1/me/actions?limit=4", headers=me)).json()
    page2 = (await client.get(f"/v1/me/actions?limit=4&cursor={page1['next_cursor']}", headers=me)).json()
    ids = [a["id"] for a in page1["items"] + page2["items"]]
    assert len(ids) == len(set(ids)) == 6
    assert ids == sorted(ids, reverse=True)
    assert page2["next_cursor"] is None
    rejected = [a for a in page1["items"] + page2["items"] if a["status"] == "rejected"]
    assert rejected[0]["coins"] == 0
    assert rejected[0]["reasons"]
    one = (await client.get(f"/v1/me/actions/{ids[0]}", headers=me)).json()
    assert one["breakdown"]["credited_grams"] == one["grams"]
    bad = await client.get("/v1/me/actions?cursor=%%%", headers=me)
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_cursor")

    transfers = (await client.get("/v1/me/transfers", headers=me)).json()["items"]
    assert sorted(t["amount"] for t in transfers) == [13] * 5
    impact = (await client.get("/v1/me/impact", headers=me)).json()
    assert impact["total_grams"] == 5 * 134
    assert impact["by_methodology"] == [{"methodology_id": "bus_trip", "grams": 670, "actions": 5}]
    assert sum(m["grams"] for m in impact["by_month"]) == 670


async def test_every_id_route_refuses_another_residents_ids(
    app, client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    owner = await _resident_with_history(database, settings, registry, "13900000702")
    async with database.session() as session:
        other = await new_resident(session, "13900000703")
        action_id = (await session.execute(sa.text("SELECT max(id) FROM actions"))).scalar_one()
    intruder = bearer(Role.RESIDENT, str(other))
    ids = {"action_id": action_id, "binding_id": 1, "voucher_id": 1}
    tried = 0
    for route in app.routes:
        path = route.path
        if not path.startswith("/v1/me/") or "{" not in path:
            continue
        for method in route.methods - {"OPTIONS", "HEAD"}:
            url = path
            for name, value in ids.items():
                url = url.replace("{" + name + ":int}", str(value)).replace("{" + name + "}", str(value))
            response = await client.request(method, url, headers=intruder)
            assert response.status_code == 404, (method, url, response.text)
            tried += 1
    assert tried >= 3  # actions/{id}, bindings/{id}, vouchers/{id}/cancel at least
    owner_view = await client.get(f"/v1/me/actions/{action_id}", headers=bearer(Role.RESIDENT, str(owner)))
    assert owner_view.status_code == 200


async def test_deleting_the_account_erases_the_person_and_keeps_the_books(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    login = await client.post("/v1/auth/dev", json={"phone": "13900000799"})
    tokens = login.json()
    me = {"Authorization": f"Bearer {tokens['access_token']}"}
    resident = (await client.get("/v1/me", headers=me)).json()["id"]
    async with database.session() as session:
        service = actions_for(session, settings, registry, clock=lambda: NOW)
        await service.record_action(resident, "bus_trip", bus(NOW - dt.timedelta(hours=3)), None, "del:1")
    assert (await client.delete("/v1/me", headers=me)).status_code == 204
    refused = await client.get("/v1/me/wallet", headers=me)
    assert (refused.status_code, refused.json()["code"]) == (401, "account_deleted")
    assert (await client.get("/v1/me", headers=me)).json()["code"] == "account_deleted"
    refresh = await client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401
    async with database.session() as session:
        row = (
            await session.execute(
                sa.text(
                    "SELECT phone_hash, openid_hash, display_name, deleted_at FROM residents WHERE id = :id"
                ),
                {"id": resident},
            )
        ).one()
        assert row[:3] == (None, None, None)
        assert row[3] is not None
        assert (await verify_ledger(session)).ok
        balance = (
            await session.execute(
                sa.text("SELECT balance FROM accounts WHERE code = :c"), {"c": f"wallet:{resident}"}
            )
        ).scalar_one()
        assert balance == 13  # the books keep the coins under the anonymous id
    again = await client.post("/v1/auth/dev", json={"phone": "13900000799"})
    new_me = {"Authorization": f"Bearer {again.json()['access_token']}"}
    assert (await client.get("/v1/me", headers=new_me)).json()["id"] != resident
