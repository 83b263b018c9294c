"""Offers and vouchers over HTTP on both dialects: approval, claim, consume, cancel, lapse, limits."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from service.db.base import utcnow
from service.identity.principal import Role
from service.ledger.verify import verify_ledger
from service.merchants.models import Voucher
from service.merchants.vouchers import lapse_expired
from tests.integration.merchants.conftest import (
    approved_offer,
    balance,
    funded_resident,
    new_merchant,
    stock_left,
)

SOON = utcnow() + dt.timedelta(days=1)


def offer_body(**overrides: object) -> dict[str, object]:
    now = utcnow()
    return {
        "title": "Oolong tea",
        "description": "A cup",
        "price": 10,
        "stock_total": 3,
        "per_resident_limit": 1,
        "valid_from": (now - dt.timedelta(hours=1)).isoformat(),
        "valid_until": (now + dt.timedelta(days=7)).isoformat(),
    } | overrides


async def test_offers_need_city_approval_and_a_new_price_needs_it_again(
    client, database, settings, bearer
) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        merchant, resident = await new_merchant(session), await funded_resident(session, settings, 0)
        await session.commit()
    till, me, city = (
        bearer(Role.MERCHANT, str(merchant)),
        bearer(Role.RESIDENT, str(resident)),
        bearer(Role.CITY, "1"),
    )
    created = await client.post("/v1/merchant/offers", json=offer_body(), headers=till)
    assert created.status_code == 201, created.text
    offer = created.json()
    assert offer["approved"] is False
    assert (await client.get("/v1/offers", headers=me)).json()["items"] == []
    pending = (await client.get("/v1/city/offers", headers=city)).json()
    assert [o["id"] for o in pending["items"]] == [offer["id"]]
    mine = (await client.get("/v1/merchant/offers?limit=1", headers=till)).json()
    assert ([o["id"] for o in mine["items"]], mine["next_cursor"]) == ([offer["id"]], None)
    assert offer["revision"] == 1
    approved = await client.post(f"/v1/city/offers/{offer['id']}/approve", json={"revision": 1}, headers=city)
    assert approved.json()["approved"] is True
    assert [o["id"] for o in (await client.get("/v1/offers", headers=me)).json()["items"]] == [offer["id"]]
    restock = await client.patch(f"/v1/merchant/offers/{offer['id']}", json={"stock_total": 5}, headers=till)
    assert (restock.json()["approved"], restock.json()["stock_left"]) == (True, 5)
    assert restock.json()["revision"] == 1  # stock is not what residents agree to
    repriced = await client.patch(f"/v1/merchant/offers/{offer['id']}", json={"price": 12}, headers=till)
    assert (repriced.json()["approved"], repriced.json()["revision"]) == (False, 2)
    assert (await client.get("/v1/offers", headers=me)).json()["items"] == []
    foreign = await client.patch(
        f"/v1/merchant/offers/{offer['id']}", json={"price": 1}, headers=bearer(Role.MERCHANT, "999")
    )
    assert (foreign.status_code, foreign.json()["code"]) == (404, "offer_not_found")
    backwards = await client.post(
        "/v1/merchant/offers", json=offer_body(valid_until=offer_body()["valid_from"]), headers=till
    )
    assert (backwards.status_code, backwards.json()["code"]) == (422, "invalid_validity")
    not_city = await client.post(f"/v1/city/offers/{offer['id']}/approve", json={"revision": 2}, headers=till)
    assert not_city.status_code == 403


async def test_claim_consume_cancel_and_lapse_move_coins_and_stock_once(
    client, database, settings, bearer
) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        merchant = await new_merchant(session)
        resident = await funded_resident(session, settings, 100)
        other = await funded_resident(session, settings, 0)
        offer = await approved_offer(session, merchant, price=10, stock=5, limit=3)
        await session.commit()
    me, till = bearer(Role.RESIDENT, str(resident)), bearer(Role.MERCHANT, str(merchant))
    claimed = [
        (await client.post("/v1/me/vouchers", json={"offer_id": offer}, headers=me)).json() for _ in range(3)
    ]
    assert [v["status"] for v in claimed] == ["held"] * 3
    over = await client.post("/v1/me/vouchers", json={"offer_id": offer}, headers=me)
    assert (over.status_code, over.json()["code"]) == (409, "limit_reached")
    async with database.session() as session:
        assert await balance(session, f"wallet:{resident}") == (100, 30)
        assert await stock_left(session, offer) == 2

    consumed = await client.post(f"/v1/merchant/vouchers/{claimed[0]['code']}/consume", headers=till)
    assert consumed.status_code == 200, consumed.text
    twice = await client.post(f"/v1/merchant/vouchers/{claimed[0]['code']}/consume", headers=till)
    assert (twice.status_code, twice.json()["code"]) == (409, "voucher_consumed")
    foreign = await client.post(
        f"/v1/merchant/vouchers/{claimed[1]['code']}/consume", headers=bearer(Role.MERCHANT, "999")
    )
    assert (foreign.status_code, foreign.json()["code"]) == (404, "voucher_not_found")

    cancelled = await client.post(f"/v1/me/vouchers/{claimed[1]['id']}/cancel", headers=me)
    assert cancelled.json()["status"] == "cancelled"
    again = await client.post(f"/v1/me/vouchers/{claimed[1]['id']}/cancel", headers=me)
    assert (again.status_code, again.json()["code"]) == (409, "voucher_cancelled")
    someone_else = bearer(Role.RESIDENT, str(other))
    stranger = await client.post(f"/v1/me/vouchers/{claimed[2]['id']}/cancel", headers=someone_else)
    assert (stranger.status_code, stranger.json()["code"]) == (404, "voucher_not_found")

    async with database.session() as session:
        assert await lapse_expired(session, settings, utcnow()) == 0
        assert await lapse_expired(session, settings, utcnow() + dt.timedelta(days=8)) == 1
        assert await lapse_expired(session, settings, utcnow() + dt.timedelta(days=8)) == 0
        await session.commit()
    late = await client.post(f"/v1/merchant/vouchers/{claimed[2]['code']}/consume", headers=till)
    assert (late.status_code, late.json()["code"]) == (409, "voucher_lapsed")
    async with database.session() as session:
        assert await balance(session, f"wallet:{resident}") == (90, 0)
        assert await balance(session, f"merchant:{merchant}") == (10, 0)
        assert await stock_left(session, offer) == 4  # 5 - one consumed
        statuses = (await session.scalars(sa.select(Voucher.status).order_by(Voucher.id))).all()
        assert list(statuses) == ["consumed", "cancelled", "lapsed"]
        assert (await verify_ledger(session)).ok
    listed = (await client.get("/v1/me/vouchers", headers=me)).json()["items"]
    assert [v["status"] for v in listed] == ["consumed", "cancelled", "lapsed"]


async def test_refused_claims_change_nothing(client, database, settings, bearer) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        merchant = await new_merchant(session)
        poor = await funded_resident(session, settings, 5)
        rich = await funded_resident(session, settings, 50)
        offer = await approved_offer(session, merchant, price=10, stock=1)
        await session.commit()
    broke = await client.post(
        "/v1/me/vouchers", json={"offer_id": offer}, headers=bearer(Role.RESIDENT, str(poor))
    )
    assert (broke.status_code, broke.json()["code"]) == (409, "insufficient_funds")
    async with database.session() as session:
        assert await stock_left(session, offer) == 1
    rich_h = bearer(Role.RESIDENT, str(rich))
    assert (await client.post("/v1/me/vouchers", json={"offer_id": offer}, headers=rich_h)).status_code == 201
    sold_out = await client.post(
        "/v1/me/vouchers", json={"offer_id": offer}, headers=bearer(Role.RESIDENT, str(poor))
    )
    assert (sold_out.status_code, sold_out.json()["code"]) == (409, "sold_out")
    missing = await client.post("/v1/me/vouchers", json={"offer_id": offer + 100}, headers=rich_h)
    assert (missing.status_code, missing.json()["code"]) == (404, "offer_not_found")
    async with database.session() as session:
        assert await balance(session, f"wallet:{poor}") == (5, 0)
        assert await balance(session, f"wallet:{rich}") == (50, 10)
        assert (await verify_ledger(session)).ok


async def test_an_approval_names_the_revision_the_city_reviewed(client, database, bearer) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: a merchant changed the price 10 -> 999999 between the city's review and its approval."""
    async with database.session() as session:
        merchant = await new_merchant(session)
        await session.commit()
    till, city = bearer(Role.MERCHANT, str(merchant)), bearer(Role.CITY, "1")
    offer = (await client.post("/v1/merchant/offers", json=offer_body(price=10), headers=till)).json()
    reviewed = offer["revision"]
    changed = await client.patch(f"/v1/merchant/offers/{offer['id']}", json={"price": 999999}, headers=till)
    assert changed.json()["revision"] == reviewed + 1
    stale = await client.post(
        f"/v1/city/offers/{offer['id']}/approve", json={"revision": reviewed}, headers=city
    )
    assert (stale.status_code, stale.json()["code"], stale.json()["revision"]) == (409, "offer_changed", 2)
    listed = (await client.get("/v1/city/offers", headers=city)).json()["items"]
    assert [(o["id"], o["approved"], o["price"]) for o in listed] == [(offer["id"], False, 999999)]
    missing = await client.post(f"/v1/city/offers/{offer['id']}/approve", headers=city)
    assert (missing.status_code, missing.json()["code"]) == (422, "validation_error")
    current = await client.post(f"/v1/city/offers/{offer['id']}/approve", json={"revision": 2}, headers=city)
    assert (current.status_code, current.json()["approved"], current.json()["price"]) == (200, True, 999999)
