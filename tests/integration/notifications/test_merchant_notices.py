"""A merchant's notices: the city's approval or rejection of its offers, with the reason."""

from __future__ import annotations

from service.identity.principal import Role
from tests.integration.merchants.conftest import new_merchant
from tests.integration.merchants.test_vouchers import offer_body


async def test_a_merchant_reads_the_citys_reviews_of_its_offers(client, database, bearer) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        merchant, other = await new_merchant(session), await new_merchant(session, "Other")
        await session.commit()
    till, city = bearer(Role.MERCHANT, str(merchant)), bearer(Role.CITY, "7")
    assert (await client.get("/v1/merchant/notifications", headers=till)).json() == {"items": []}
    tea = (await client.post("/v1/merchant/offers", json=offer_body(price=10), headers=till)).json()
    bag = (await client.post("/v1/merchant/offers", json=offer_body(price=80), headers=till)).json()
    pending = (await client.get("/v1/merchant/notifications", headers=till)).json()
    assert pending == {"items": []}  # nothing reviewed yet

    reason = "价格过低，无法核实"
    rejected = await client.post(
        f"/v1/city/offers/{bag['id']}/reject", json={"revision": 1, "reason": reason}, headers=city
    )
    assert rejected.status_code == 200, rejected.text
    approved = await client.post(f"/v1/city/offers/{tea['id']}/approve", json={"revision": 1}, headers=city)
    assert approved.status_code == 200, approved.text

    items = (await client.get("/v1/merchant/notifications", headers=till)).json()["items"]
    assert [(n["kind"], n["offer_id"]) for n in items] == [
        ("offer_approved", tea["id"]),
        ("offer_rejected", bag["id"]),
    ]
    assert items[1]["id"] == f"offer:{bag['id']}:rejected:1"
    assert reason in items[1]["body_zh"]
    assert items[1]["title_zh"].startswith("优惠未通过审核")
    # Another merchant sees none of it; a resident may not read a merchant's notices.
    theirs = await client.get("/v1/merchant/notifications", headers=bearer(Role.MERCHANT, str(other)))
    assert theirs.json() == {"items": []}
    refused = await client.get("/v1/merchant/notifications", headers=bearer(Role.RESIDENT, "1"))
    assert refused.status_code == 403
