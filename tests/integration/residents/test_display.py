"""What a resident's screens show, on both databases: actions with a title and, when rejected, what was
claimed and why nothing was credited, in the request's language; transfers with a readable counterpart."""

from __future__ import annotations

import datetime as dt

from service.identity.principal import Role
from service.ledger.service import TransferRequest
from service.merchants.models import Offer
from tests.conftest import ledger_for
from tests.integration.merchants.conftest import new_merchant
from tests.integration.residents.conftest import resident_with_trips

EN = {"Accept-Language": "en"}


async def test_actions_have_titles_and_rejections_say_what_was_claimed_and_why(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    resident, recorded = await resident_with_trips(database, settings, registry, "13900000930")
    me = bearer(Role.RESIDENT, str(resident))
    zh = await client.get(f"/v1/me/actions/{recorded[5].id}", headers=me)
    en = await client.get(f"/v1/me/actions/{recorded[5].id}", headers=me | EN)
    assert (zh.headers["content-language"], en.headers["content-language"]) == ("zh-CN", "en")
    assert "accept-language" in zh.headers["vary"].lower()
    rejected, rejected_en = zh.json(), en.json()
    assert rejected["status"] == "rejected"
    assert (rejected["title"], rejected_en["title"]) == ("公交出行 5.0 km", "Bus trip 5.0 km")
    assert (rejected["family_name"], rejected_en["family_name"]) == (
        "公交出行",
        "Public transport and cycling",
    )
    assert (rejected["claimed_grams"], rejected["credited_grams"], rejected["grams"]) == (134, 0, 0)
    # the breakdown does not contradict: its result is the claim, and it credits what the action credits
    assert "grams" not in rejected["breakdown"]
    assert (rejected["breakdown"]["claimed_grams"], rejected["breakdown"]["credited_grams"]) == (134, 0)
    texts = {r["code"]: r["text"] for r in rejected["reasons_explained"]}
    texts_en = {r["code"]: r["text"] for r in rejected_en["reasons_explained"]}
    assert set(texts) == set(rejected["reasons"]) >= {"implausible_speed"}
    assert texts["implausible_speed"] == "速度不合理：5.0 公里用时 2 分钟"
    assert texts_en["implausible_speed"] == "Implausible speed: 5.0 km in 2 minutes"

    listed = (await client.get("/v1/me/actions", headers=me)).json()["items"]
    accepted = next(a for a in listed if a["id"] == recorded[0].id)
    assert (accepted["title"], accepted["summary"], accepted["reasons_explained"]) == (
        "公交出行 5.0 km",
        "5.0 km",
        [],
    )
    assert (accepted["claimed_grams"], accepted["credited_grams"]) == (134, 134)


async def test_transfers_name_their_counterpart(client, database, settings, registry, bearer) -> None:  # type: ignore[no-untyped-def]
    resident, recorded = await resident_with_trips(database, settings, registry, "13900000931")
    now = dt.datetime.now(dt.UTC)
    async with database.session() as session:
        ledger = ledger_for(session, settings)
        merchant = await new_merchant(session, "茶馆")
        offer = Offer(
            merchant_id=merchant,
            title="绿茶一杯",
            title_en="A cup of green tea",
            price=5,
            stock_total=5,
            stock_left=5,
            valid_from=now - dt.timedelta(days=1),
            valid_until=now + dt.timedelta(days=30),
            created_at=now,
        )
        session.add(offer)
        await session.flush()
        wallet, till = await ledger.wallet(resident), await ledger.merchant_account(merchant)
        charge = await ledger.transfer(TransferRequest(wallet.id, till.id, 3, "charge", "d:1", "paycode"))
        hold = await ledger.hold(
            TransferRequest(wallet.id, till.id, 5, "voucher", "d:2", f"offer:{offer.id}"),
            expires_at=now + dt.timedelta(hours=1),
        )
        voucher = await ledger.post(hold.id)
        refund = await ledger.reverse(charge.id, reference=f"refund of charge {charge.id}")
    me = bearer(Role.RESIDENT, str(resident))
    zh = {t["id"]: t for t in (await client.get("/v1/me/transfers", headers=me)).json()["items"]}
    en = {t["id"]: t for t in (await client.get("/v1/me/transfers", headers=me | EN)).json()["items"]}
    credit = next(t for t in zh.values() if t["kind"] == "credit")
    assert credit["counterpart"]["kind"] == "action"
    assert credit["counterpart"]["name"] == "公交出行 5.0 km"
    assert credit["counterpart"]["action_id"] in {a.id for a in recorded}
    assert en[credit["id"]]["counterpart"]["name"] == "Bus trip 5.0 km"
    assert zh[charge.id]["counterpart"] == {
        "kind": "merchant",
        "name": "茶馆",
        "action_id": None,
        "offer_id": None,
    }
    assert zh[voucher.id]["counterpart"]["name"] == "茶馆 · 绿茶一杯"
    assert en[voucher.id]["counterpart"]["name"] == "茶馆 · A cup of green tea"
    assert zh[voucher.id]["counterpart"]["offer_id"] == offer.id
    assert (zh[refund.id]["counterpart"]["name"], en[refund.id]["counterpart"]["name"]) == (
        "退款 · 茶馆",
        "Refund · 茶馆",
    )
