"""The inbox from real credited and rejected actions, lots and vouchers; read marks and the unread count."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from service.actions.models import Action
from service.db.base import utcnow
from service.identity.principal import Role
from service.ledger.models import Account, Lot
from service.merchants.models import Voucher
from tests.integration.merchants.conftest import approved_offer, funded_resident, new_merchant
from tests.integration.notifications.conftest import DAY1, DAY2, rejected_trip
from tests.integration.residents.conftest import walk

from .conftest import trips


async def _history(database, settings, registry) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Two bus trips credited on DAY1, one on DAY2, and a rejected one on DAY2; (resident, rejected id)."""
    async with database.session() as session:
        resident = await trips(session, settings, registry, "chashan", [DAY1, DAY1, DAY2])
        rejected = await rejected_trip(session, settings, registry, resident, DAY2)
        await session.commit()
    return resident, rejected


async def _coins_by_action(database, resident: int) -> list[int]:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        rows = await session.scalars(
            sa.select(Action.coins)
            .where(Action.resident_id == resident, Action.status == "accepted")
            .order_by(Action.id)
        )
        return list(rows)


async def _inbox(client, headers, **params):  # type: ignore[no-untyped-def]
    response = await client.get("/v1/me/notifications", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_credits_per_day_and_rejections_with_their_reasons(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    resident, rejected = await _history(database, settings, registry)
    page = await _inbox(client, bearer(Role.RESIDENT, str(resident)))
    ids = [item["id"] for item in page["items"]]
    assert ids == [f"rejection:{rejected}", f"credits:{DAY2}", f"credits:{DAY1}"]
    assert page["unread"] == 3
    assert page["next_cursor"] is None
    rejection, day2, day1 = page["items"]
    # The coins the credit path gave each action (134 g each; sub-coin grams carry over), summed per day.
    coins = await _coins_by_action(database, resident)
    assert len(coins) == 3
    assert coins[0] + coins[1] + coins[2] == 40
    assert (day1["coins"], day1["date"], day2["coins"]) == (coins[0] + coins[1], str(DAY1), coins[2])
    assert day1["title_zh"] == f"11月18日获得 {day1['coins']} 碳币"
    assert day1["body_zh"] == "公交出行 2 次"
    assert day1["title_en"] == f"You earned {day1['coins']} coins on 18 Nov 2026"
    assert "Public transport" in day1["body_en"]
    assert day1["read"] is False
    assert rejection["kind"] == "rejection"
    assert rejection["action_id"] == rejected
    assert rejection["title_zh"] == "公交出行未获碳币"
    assert rejection["title_en"].startswith("Bus trip")
    codes = [r["code"] for r in rejection["reasons"]]
    assert "implausible_speed" in codes
    speed = rejection["reasons"][codes.index("implausible_speed")]
    assert speed["zh"]
    assert speed["zh"] != speed["code"]
    assert speed["zh"] in rejection["body_zh"]


async def test_pages_walk_the_same_notices_newest_first(client, database, settings, registry, bearer) -> None:  # type: ignore[no-untyped-def]
    resident, _ = await _history(database, settings, registry)
    me = bearer(Role.RESIDENT, str(resident))
    whole = (await _inbox(client, me))["items"]
    assert [i["id"] for i in await walk(client, "/v1/me/notifications", me, 1)] == [i["id"] for i in whole]
    assert [i["at"] for i in whole] == sorted((i["at"] for i in whole), reverse=True)
    bad = await client.get("/v1/me/notifications", headers=me, params={"cursor": "bm90LWEtY3Vyc29y"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_cursor")


async def test_read_marks_by_id_and_up_to_and_a_notice_that_changes_is_unread_again(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    resident, rejected = await _history(database, settings, registry)
    me = bearer(Role.RESIDENT, str(resident))
    read = await client.post("/v1/me/notifications/read", headers=me, json={"ids": [f"credits:{DAY1}"]})
    assert read.status_code == 200, read.text
    assert read.json() == {"unread": 2}
    page = await _inbox(client, me)
    assert {i["id"]: i["read"] for i in page["items"]} == {
        f"rejection:{rejected}": False,
        f"credits:{DAY2}": False,
        f"credits:{DAY1}": True,
    }
    assert page["unread"] == 2
    upto = await client.post("/v1/me/notifications/read", headers=me, json={"up_to": f"rejection:{rejected}"})
    assert upto.json() == {"unread": 0}
    assert all(i["read"] for i in (await _inbox(client, me))["items"])

    # Another credit on DAY2, later: that day's notice changed, so it is unread again (with the new sum).
    async with database.session() as session:
        from tests.integration.actions.conftest import ZONE, actions_for, bus

        late = dt.datetime(DAY2.year, DAY2.month, DAY2.day, 20, tzinfo=ZONE)
        service = actions_for(session, settings, registry, clock=lambda: late + dt.timedelta(hours=1))
        await service.record_action(resident, "bus_trip", bus(late), None, f"late:{resident}")
        await session.commit()
    page = await _inbox(client, me)
    day2 = next(i for i in page["items"] if i["id"] == f"credits:{DAY2}")
    assert (day2["read"], page["unread"]) == (False, 1)
    assert day2["coins"] == sum((await _coins_by_action(database, resident))[2:]) > 13


async def test_read_marks_refuse_what_is_not_in_the_inbox_and_change_nothing(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    resident, _ = await _history(database, settings, registry)
    me = bearer(Role.RESIDENT, str(resident))
    for body, status, code in [
        ({"ids": [f"credits:{DAY1}", "credits:2001-01-01"]}, 404, "notification_not_found"),
        ({"up_to": "rejection:999999999"}, 404, "notification_not_found"),
        ({}, 422, "invalid_read_marks"),
        ({"ids": [f"credits:{DAY1}"], "up_to": f"credits:{DAY1}"}, 422, "invalid_read_marks"),
    ]:
        answer = await client.post("/v1/me/notifications/read", headers=me, json=body)
        assert (answer.status_code, answer.json()["code"]) == (status, code), body
    assert (await _inbox(client, me))["unread"] == 3
    # Another resident's notice ids are not in this inbox either.
    async with database.session() as session:
        other = await funded_resident(session, settings, 0, tag="other")
        await session.commit()
    theirs = await client.post(
        "/v1/me/notifications/read",
        headers=bearer(Role.RESIDENT, str(other)),
        json={"ids": [f"credits:{DAY1}"]},
    )
    assert (theirs.status_code, theirs.json()["code"]) == (404, "notification_not_found")


async def test_coins_expiring_within_30_days_and_vouchers_about_to_lapse(
    client, database, settings, bearer
) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    async with database.session() as session:
        resident = await funded_resident(session, settings, 50, tag="exp")
        offer = await approved_offer(session, await new_merchant(session, "绿茶铺"), price=10)
        await session.commit()
    me = bearer(Role.RESIDENT, str(resident))
    assert (await _inbox(client, me))["items"] == []  # coins expiring next year, no voucher: nothing
    claimed = await client.post("/v1/me/vouchers", headers=me, json={"offer_id": offer})
    assert claimed.status_code == 201, claimed.text
    soon = now + dt.timedelta(days=10)
    async with database.session() as session:
        wallet = await session.scalar(sa.select(Account.id).where(Account.code == f"wallet:{resident}"))
        await session.execute(sa.update(Lot).where(Lot.account_id == wallet).values(expires_at=soon))
        await session.execute(
            sa.update(Voucher)
            .where(Voucher.resident_id == resident)
            .values(expires_at=now + dt.timedelta(hours=5))
        )
        await session.commit()
    items = {i["kind"]: i for i in (await _inbox(client, me))["items"]}
    assert set(items) == {"expiring", "voucher_lapsing"}
    expiring = items["expiring"]
    local = soon.astimezone(settings.zone).date()
    # 50 coins, 10 of them held by the voucher: 40 can still be spent before they expire.
    assert (expiring["id"], expiring["coins"], expiring["date"]) == (f"expiring:{local}", 40, str(local))
    assert expiring["title_zh"] == f"40 碳币将于 {local.month}月{local.day}日 过期"
    lapsing = items["voucher_lapsing"]
    assert lapsing["voucher_id"] == claimed.json()["id"]
    assert "绿茶铺 · Oolong tea" in lapsing["title_zh"]
    # Lots further than 30 days away are not announced.
    async with database.session() as session:
        later = now + dt.timedelta(days=31)
        await session.execute(sa.update(Lot).where(Lot.account_id == wallet).values(expires_at=later))
        await session.commit()
    assert {i["kind"] for i in (await _inbox(client, me))["items"]} == {"voucher_lapsing"}
