"""What a resident's and a merchant's screens show (issue 15 parts 1, 2, 6): offers with their merchant's
name, address, location, category and picture and both titles; vouchers with their offer's titles; the
public merchant directory; and the city's rejection with a reason, resubmitted by a revision."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from service.audit.models import AuditEntry
from service.db.base import utcnow
from service.identity.principal import Role
from tests.integration.http.serving import assert_problem
from tests.integration.merchants.conftest import approved_offer, funded_resident, new_merchant
from tests.integration.merchants.test_vouchers import offer_body

PROFILE = {
    "address": "江西省共青城市青年大道 1 号",
    "location": {"lat": 29.2483, "lng": 115.8054},
    "category": "drinks",
    "image_url": "https://img.example.cn/tea.jpg",
}


async def test_offers_carry_their_merchant_and_both_titles(client, database, settings, bearer) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        merchant = await new_merchant(session, "青城茶社")
        resident = await funded_resident(session, settings, 100)
        await session.commit()
    till, city = bearer(Role.MERCHANT, str(merchant)), bearer(Role.CITY, "1")
    me = bearer(Role.RESIDENT, str(resident))
    blank = (await client.get("/v1/merchant/profile", headers=till)).json()
    assert blank == {
        "id": merchant,
        "name": "青城茶社",
        "address": None,
        "location": None,
        "category": None,
        "image_url": None,
    }
    set_ = await client.patch("/v1/merchant/profile", json=PROFILE, headers=till)
    assert set_.status_code == 200, set_.text
    assert set_.json() == {"id": merchant, "name": "青城茶社", **PROFILE}

    body = offer_body(title_zh="绿茶一杯", title_en="A cup of green tea")
    del body["title"]
    created = await client.post("/v1/merchant/offers", json=body, headers=till)
    assert created.status_code == 201, created.text
    offer = created.json()
    assert (offer["title_zh"], offer["title"], offer["title_en"]) == (
        "绿茶一杯",
        "绿茶一杯",
        "A cup of green tea",
    )
    assert (offer["status"], offer["rejection_reason"]) == ("pending", None)
    await client.post(f"/v1/city/offers/{offer['id']}/approve", json={"revision": 1}, headers=city)

    listed = (await client.get("/v1/offers", headers=me)).json()["items"]
    assert [o["id"] for o in listed] == [offer["id"]]
    assert listed[0]["merchant"] == {"id": merchant, "name": "青城茶社", **PROFILE}
    assert (listed[0]["title_zh"], listed[0]["title_en"], listed[0]["status"]) == (
        "绿茶一杯",
        "A cup of green tea",
        "approved",
    )

    claimed = await client.post("/v1/me/vouchers", json={"offer_id": offer["id"]}, headers=me)
    assert claimed.status_code == 201, claimed.text
    voucher = claimed.json()
    assert (voucher["offer_title_zh"], voucher["offer_title_en"], voucher["merchant_name"]) == (
        "绿茶一杯",
        "A cup of green tea",
        "青城茶社",
    )
    mine = (await client.get("/v1/me/vouchers", headers=me)).json()["items"]
    assert [(v["offer_title_zh"], v["merchant_name"]) for v in mine] == [("绿茶一杯", "青城茶社")]
    consumed = await client.post(f"/v1/merchant/vouchers/{voucher['code']}/consume", headers=till)
    assert consumed.json()["voucher"]["offer_title_en"] == "A cup of green tea"

    # title (old clients) and title_zh are one field: sending both, different, is refused.
    both = offer_body(title_zh="红茶")
    assert_problem(await client.post("/v1/merchant/offers", json=both, headers=till), 422, "validation_error")
    cleared = await client.patch(f"/v1/merchant/offers/{offer['id']}", json={"title_en": None}, headers=till)
    assert (cleared.json()["title_en"], cleared.json()["status"]) == (None, "pending")


async def test_a_profile_is_checked_and_audited(client, database, bearer) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        merchant = await new_merchant(session)
        await session.commit()
    till = bearer(Role.MERCHANT, str(merchant))
    for bad in (
        {"location": {"lat": 91, "lng": 0}},
        {"location": {"lat": 29}},
        {"category": "casino"},
        {"image_url": "javascript:alert(1)"},
        {"name": "Other"},
    ):
        assert_problem(await client.patch("/v1/merchant/profile", json=bad, headers=till), 422)
    ok = await client.patch("/v1/merchant/profile", json={"location": {"lat": 29, "lng": 115}}, headers=till)
    assert ok.json()["location"] == {"lat": 29, "lng": 115}
    cleared = await client.patch("/v1/merchant/profile", json={"location": None}, headers=till)
    assert cleared.json()["location"] is None
    async with database.session() as session:
        actions = (
            await session.scalars(
                sa.select(AuditEntry.action).where(AuditEntry.target == f"merchant:{merchant}")
            )
        ).all()
    assert actions == ["merchant.profile", "merchant.profile"]


async def test_the_directory_is_public_and_lists_merchants_with_offers_on_sale(  # type: ignore[no-untyped-def]
    client, database
) -> None:
    async with database.session() as session:
        selling = await new_merchant(session, "Selling")
        idle = await new_merchant(session, "Idle")  # no offer at all
        ended = await new_merchant(session, "Ended")  # its only offer is over
        second = await new_merchant(session, "Second")
        first_offer = await approved_offer(session, selling, price=7)
        await approved_offer(session, selling, price=9, stock=1)
        expired = await approved_offer(session, ended)
        await approved_offer(session, second)
        await session.execute(
            sa.text("UPDATE offers SET valid_until = :t WHERE id = :id"),
            {"t": utcnow() - dt.timedelta(minutes=1), "id": expired},
        )
        await session.commit()
    page = await client.get("/v1/merchants?limit=1")  # no token
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "max-age=30, public"
    body = page.json()
    assert [m["name"] for m in body["items"]] == ["Selling"]
    assert body["items"][0]["open_offer_count"] == 2
    assert body["items"][0]["open_offers"][0]["id"] == first_offer
    assert body["items"][0]["open_offers"][0]["price"] == 7
    rest = (await client.get(f"/v1/merchants?cursor={body['next_cursor']}")).json()
    assert [m["name"] for m in rest["items"]] == ["Second"]
    assert rest["next_cursor"] is None
    assert idle not in [m["id"] for m in body["items"] + rest["items"]]


async def test_the_city_rejects_with_a_reason_and_a_revision_resubmits(client, database, bearer) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        merchant = await new_merchant(session)
        await session.commit()
    till, city = bearer(Role.MERCHANT, str(merchant)), bearer(Role.CITY, "7")
    offer = (await client.post("/v1/merchant/offers", json=offer_body(price=10), headers=till)).json()
    reason = {"revision": 1, "reason": "价格过低，无法核实 / price too low to verify"}
    rejected = await client.post(f"/v1/city/offers/{offer['id']}/reject", json=reason, headers=city)
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["rejection_reason"]) == ("rejected", reason["reason"])
    again = await client.post(f"/v1/city/offers/{offer['id']}/reject", json=reason, headers=city)
    assert_problem(again, 409, "offer_not_pending")
    assert (await client.get("/v1/city/offers", headers=city)).json()["items"] == []
    seen = (await client.get("/v1/merchant/offers", headers=till)).json()["items"][0]
    assert (seen["status"], seen["rejection_reason"], seen["approved"]) == (
        "rejected",
        reason["reason"],
        False,
    )
    assert seen["rejected_at"] is not None
    # Stock is not what the city reviews: the offer stays rejected.
    stocked = await client.patch(f"/v1/merchant/offers/{offer['id']}", json={"stock_total": 9}, headers=till)
    assert (stocked.json()["status"], stocked.json()["revision"]) == ("rejected", 1)
    stale = await client.post(f"/v1/city/offers/{offer['id']}/approve", json={"revision": 1}, headers=city)
    assert stale.json()["status"] == "approved"  # the city may change its mind on the same revision
    resubmit_body = {"revision": 1, "reason": "withdrawn"}
    assert_problem(
        await client.post(f"/v1/city/offers/{offer['id']}/reject", json=resubmit_body, headers=city),
        409,
        "offer_not_pending",
    )


async def test_a_rejected_offer_is_resubmitted_by_revising_it(client, database, bearer) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        merchant = await new_merchant(session)
        await session.commit()
    till, city = bearer(Role.MERCHANT, str(merchant)), bearer(Role.CITY, "7")
    offer = (await client.post("/v1/merchant/offers", json=offer_body(price=10), headers=till)).json()
    await client.post(
        f"/v1/city/offers/{offer['id']}/reject", json={"revision": 1, "reason": "x"}, headers=city
    )
    revised = await client.patch(f"/v1/merchant/offers/{offer['id']}", json={"price": 20}, headers=till)
    assert (revised.json()["status"], revised.json()["revision"], revised.json()["rejection_reason"]) == (
        "pending",
        2,
        None,
    )
    assert [o["id"] for o in (await client.get("/v1/city/offers", headers=city)).json()["items"]] == [
        offer["id"]
    ]
    stale = await client.post(
        f"/v1/city/offers/{offer['id']}/reject", json={"revision": 1, "reason": "x"}, headers=city
    )
    assert_problem(stale, 409, "offer_changed")
    missing = await client.post(
        "/v1/city/offers/999999/reject", json={"revision": 1, "reason": "x"}, headers=city
    )
    assert_problem(missing, 404, "offer_not_found")
    assert_problem(
        await client.post(
            f"/v1/city/offers/{offer['id']}/reject", json={"revision": 2, "reason": "x"}, headers=till
        ),
        403,
    )
    async with database.session() as session:
        entry = await session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "offer.reject"))
        assert (entry.actor, entry.details) == ("city:7", {"revision": 1, "reason": "x"})
