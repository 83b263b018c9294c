"""Policy benefits over HTTP on both databases: the city publishes them, residents see whether they are
eligible and why not, and claim them as vouchers (free ones holding no coins)."""

from __future__ import annotations

import sqlalchemy as sa

from service.achievements.rules import level_of
from service.identity.principal import Role
from service.ledger.verify import verify_ledger
from service.merchants.models import Merchant, Voucher
from tests.integration.benefits.conftest import benefit_body, traveller
from tests.integration.merchants.conftest import (
    approved_offer,
    balance,
    funded_resident,
    new_merchant,
    stock_left,
)

EN = {"Accept-Language": "en"}


async def _vouchers(database) -> int:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(Voucher)) or 0)


async def test_a_free_benefit_by_family_is_claimed_only_by_the_eligible(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    city = bearer(Role.CITY, "1")
    created = await client.post(
        "/v1/city/benefits", json=benefit_body(family="public_transport"), headers=city
    )
    assert created.status_code == 201, created.text
    benefit = created.json()
    assert (benefit["free"], benefit["family"], benefit["stock_left"]) == (True, "public_transport", 5)

    rider, _ = await traveller(database, settings, registry, days=1)
    async with database.session() as session:
        idle = await funded_resident(session, settings, 100)
        await session.commit()
    idle_me, rider_me = bearer(Role.RESIDENT, str(idle)), bearer(Role.RESIDENT, str(rider))

    listed = (await client.get("/v1/benefits", headers=idle_me)).json()["items"]
    assert [(b["id"], b["eligible"]) for b in listed] == [(benefit["id"], False)]
    assert listed[0]["unmet"] == [{"code": "family_missing", "detail": "需有至少一次「公交出行」减碳记录"}]
    in_english = await client.get("/v1/benefits", headers=idle_me | EN)
    assert in_english.headers["Content-Language"] == "en"
    english = in_english.json()["items"][0]["unmet"][0]
    assert english["detail"] == "needs a credited action in Public transport and cycling"

    refused = await client.post(f"/v1/benefits/{benefit['id']}/claim", headers=idle_me)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_eligible")
    assert refused.json()["unmet"] == ["family_missing"]
    async with database.session() as session:
        assert await stock_left(session, benefit["id"]) == 5  # the refusal changed nothing
        assert await balance(session, f"wallet:{idle}") == (100, 0)
    assert await _vouchers(database) == 0

    assert (await client.get("/v1/benefits", headers=rider_me)).json()["items"][0]["eligible"] is True
    claimed = await client.post(f"/v1/benefits/{benefit['id']}/claim", headers=rider_me)
    assert claimed.status_code == 201, claimed.text
    voucher = claimed.json()
    assert (voucher["price"], voucher["status"], voucher["offer_id"]) == (0, "held", benefit["id"])
    again = await client.post(f"/v1/benefits/{benefit['id']}/claim", headers=rider_me)
    assert (again.status_code, again.json()["code"]) == (409, "limit_reached")
    mine = (await client.get("/v1/me/vouchers", headers=rider_me)).json()["items"]
    assert [v["code"] for v in mine] == [voucher["code"]]

    async with database.session() as session:
        assert await stock_left(session, benefit["id"]) == 4
        wallet_before = await balance(session, f"wallet:{rider}")
        assert wallet_before[1] == 0  # a free voucher holds no coins
        venue = await session.scalar(sa.select(Merchant.id).where(Merchant.city_owned.is_(True)))
    consumed = await client.post(
        f"/v1/merchant/vouchers/{voucher['code']}/consume", headers=bearer(Role.MERCHANT, str(venue))
    )
    assert consumed.status_code == 200, consumed.text
    assert (consumed.json()["voucher"]["status"], consumed.json()["transfer_id"]) == ("consumed", None)
    async with database.session() as session:
        assert await balance(session, f"wallet:{rider}") == wallet_before
        assert (await verify_ledger(session)).ok


async def test_benefits_stay_apart_from_merchant_offers(client, database, settings, bearer) -> None:  # type: ignore[no-untyped-def]
    city = bearer(Role.CITY, "1")
    benefit = (await client.post("/v1/city/benefits", json=benefit_body(), headers=city)).json()
    async with database.session() as session:
        merchant = await new_merchant(session)
        offer = await approved_offer(session, merchant)
        resident = await funded_resident(session, settings, 100)
        await session.commit()
    me = bearer(Role.RESIDENT, str(resident))
    assert [o["id"] for o in (await client.get("/v1/offers", headers=me)).json()["items"]] == [offer]
    as_offer = await client.post("/v1/me/vouchers", json={"offer_id": benefit["id"]}, headers=me)
    assert (as_offer.status_code, as_offer.json()["code"]) == (404, "offer_not_found")
    as_benefit = await client.post(f"/v1/benefits/{offer}/claim", headers=me)
    assert (as_benefit.status_code, as_benefit.json()["code"]) == (404, "benefit_not_found")
    assert [b["id"] for b in (await client.get("/v1/benefits", headers=me)).json()["items"]] == [
        benefit["id"]
    ]
    merchants = (await client.get("/v1/merchants")).json()["items"]
    assert all("City policy benefits" not in m["name"] for m in merchants)
    a_merchant = await client.post(
        "/v1/city/benefits", json=benefit_body(), headers=bearer(Role.MERCHANT, str(merchant))
    )
    assert a_merchant.status_code == 403
    free_offer = await client.post(
        "/v1/merchant/offers",
        json={**benefit_body(), "price": 0},
        headers=bearer(Role.MERCHANT, str(merchant)),
    )
    assert free_offer.status_code == 422  # only the city's benefits may be free


async def test_eligibility_by_level_and_by_lifetime_grams(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    resident, grams = await traveller(database, settings, registry, days=3)
    level, _ = level_of(grams)
    me, city = bearer(Role.RESIDENT, str(resident)), bearer(Role.CITY, "1")
    bodies = {
        "level_reached": benefit_body(min_level=level.number),
        "level_next": benefit_body(min_level=level.number + 1),
        "grams_reached": benefit_body(min_lifetime_grams=grams),
        "grams_short": benefit_body(min_lifetime_grams=grams + 1),
    }
    ids = {}
    for name, body in bodies.items():
        created = await client.post("/v1/city/benefits", json=body, headers=city)
        assert created.status_code == 201, created.text
        ids[name] = created.json()["id"]
    listed = {b["id"]: b for b in (await client.get("/v1/benefits", headers=me)).json()["items"]}
    seen = {name: (listed[i]["eligible"], [u["code"] for u in listed[i]["unmet"]]) for name, i in ids.items()}
    assert seen == {
        "level_reached": (True, []),
        "level_next": (False, ["level_too_low"]),
        "grams_reached": (True, []),
        "grams_short": (False, ["lifetime_too_low"]),
    }
    for name, benefit in ids.items():
        claim = await client.post(f"/v1/benefits/{benefit}/claim", headers=me)
        assert claim.status_code == (201 if seen[name][0] else 403), (name, claim.text)

    # The city lowers the bar: the same resident becomes eligible, and clearing a rule with null works.
    lowered = await client.patch(
        f"/v1/city/benefits/{ids['grams_short']}", json={"min_lifetime_grams": None}, headers=city
    )
    assert lowered.json()["min_lifetime_grams"] is None
    assert (await client.post(f"/v1/benefits/{ids['grams_short']}/claim", headers=me)).status_code == 201
    async with database.session() as session:
        assert (await verify_ledger(session)).ok


async def test_a_paid_benefit_holds_coins_and_refuses_the_poor(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    city = bearer(Role.CITY, "1")
    benefit = (await client.post("/v1/city/benefits", json=benefit_body(price=30), headers=city)).json()
    assert benefit["free"] is False
    async with database.session() as session:
        rich = await funded_resident(session, settings, 100)
        poor = await funded_resident(session, settings, 10)
        await session.commit()
    claimed = await client.post(
        f"/v1/benefits/{benefit['id']}/claim", headers=bearer(Role.RESIDENT, str(rich))
    )
    assert claimed.status_code == 201, claimed.text
    short = await client.post(f"/v1/benefits/{benefit['id']}/claim", headers=bearer(Role.RESIDENT, str(poor)))
    assert (short.status_code, short.json()["code"]) == (409, "insufficient_funds")
    async with database.session() as session:
        assert await balance(session, f"wallet:{rich}") == (100, 30)
        assert await balance(session, f"wallet:{poor}") == (10, 0)
        assert await stock_left(session, benefit["id"]) == 4
    cancelled = await client.post(
        f"/v1/me/vouchers/{claimed.json()['id']}/cancel", headers=bearer(Role.RESIDENT, str(rich))
    )
    assert cancelled.json()["status"] == "cancelled"
    async with database.session() as session:
        assert await balance(session, f"wallet:{rich}") == (100, 0)
        assert await stock_left(session, benefit["id"]) == 5
        assert (await verify_ledger(session)).ok


async def test_the_city_edits_its_benefits(client, database, bearer) -> None:  # type: ignore[no-untyped-def]
    city = bearer(Role.CITY, "1")
    benefit = (await client.post("/v1/city/benefits", json=benefit_body(), headers=city)).json()
    changed = await client.patch(
        f"/v1/city/benefits/{benefit['id']}",
        json={"price": 5, "min_level": 2, "stock_total": 9},
        headers=city,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["price"], body["free"], body["min_level"], body["stock_left"], body["revision"]) == (
        5,
        False,
        2,
        9,
        2,
    )
    listed = (await client.get("/v1/city/benefits", headers=city)).json()["items"]
    assert [b["id"] for b in listed] == [benefit["id"]]
    nulled = await client.patch(f"/v1/city/benefits/{benefit['id']}", json={"price": None}, headers=city)
    assert (nulled.status_code, nulled.json()["code"]) == (422, "null_field")
    missing = await client.patch("/v1/city/benefits/999999", json={"price": 1}, headers=city)
    assert (missing.status_code, missing.json()["code"]) == (404, "benefit_not_found")
    backwards = await client.post(
        "/v1/city/benefits", json=benefit_body(valid_until=benefit["valid_from"]), headers=city
    )
    assert (backwards.status_code, backwards.json()["code"]) == (422, "invalid_validity")
    async with database.session() as session:
        city_merchants = await session.scalar(
            sa.select(sa.func.count()).select_from(Merchant).where(Merchant.city_owned.is_(True))
        )
    assert city_merchants == 1  # made on first use, once
