"""Issue 15's acceptance: each of a mini-program's screens fills from one or two calls.

A recording client counts the calls each screen makes, and each screen's test asserts the fields the
screen shows are there, in Chinese, with names rather than ids.
"""

from __future__ import annotations

import datetime as dt

import httpx

from service.db.base import utcnow
from service.identity.principal import Role
from tests.integration.city.conftest import trips
from tests.integration.merchants.conftest import approved_offer, new_merchant


class Screen:
    """The calls one screen makes, through the test's client, counted."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client, self.headers, self.calls = client, headers, 0

    async def get(self, path: str, **params: object) -> dict:  # type: ignore[type-arg]
        self.calls += 1
        response = await self.client.get(path, params=params, headers=self.headers)
        assert response.status_code == 200, (path, response.text)
        return response.json()


async def _resident(client, database, settings, registry, bearer) -> dict[str, str]:  # type: ignore[no-untyped-def]
    today = utcnow().astimezone(settings.zone).date()
    # Today too: on the first of a month (or a year) the home screen's month and the report's year hold it.
    days = [today - dt.timedelta(days=n) for n in (0, 1, 8, 15, 22)]
    async with database.session() as session:
        resident = await trips(session, settings, registry, "jinhu", days)
        offer = await approved_offer(session, await new_merchant(session, "青城茶社"), price=10, stock=5)
        await session.commit()
    headers = bearer(Role.RESIDENT, str(resident)) | {"Accept-Language": "zh-CN"}
    claimed = await client.post("/v1/me/vouchers", json={"offer_id": offer}, headers=headers)
    assert claimed.status_code == 201, claimed.text
    return headers


async def test_each_screen_fills_from_one_or_two_calls(client, database, settings, registry, bearer) -> None:  # type: ignore[no-untyped-def]
    headers = await _resident(client, database, settings, registry, bearer)

    home = Screen(client, headers)  # 首页: coins, expiring soon, this month's grams, trees, level
    wallet, achievements = await home.get("/v1/me/wallet"), await home.get("/v1/me/achievements")
    assert wallet["available"] > 0
    assert "expiring_30d" in wallet
    assert achievements["this_month_grams"] > 0
    assert achievements["trees"]["count"] >= 0
    assert achievements["level"]["zh"]
    assert home.calls == 2

    footprint = Screen(client, headers)  # 足迹: actions with titles and explanations
    actions = (await footprint.get("/v1/me/actions"))["items"]
    assert actions
    assert all(a["title"] for a in actions)
    assert "公交" in actions[0]["title"]
    assert footprint.calls == 1

    mall = Screen(client, headers)  # 兑换: offers with the merchant, my vouchers with the offer's title
    offers = (await mall.get("/v1/offers"))["items"]
    vouchers = (await mall.get("/v1/me/vouchers"))["items"]
    assert offers[0]["merchant"]["name"] == "青城茶社"
    assert offers[0]["title_zh"]
    assert vouchers[0]["offer_title_zh"] == offers[0]["title_zh"]
    assert vouchers[0]["merchant_name"] == "青城茶社"
    assert mall.calls == 2

    medals = Screen(client, headers)  # 成就: medals, the yearly report, the district percentile
    achieved = await medals.get("/v1/me/achievements")
    report = await medals.get(f"/v1/me/reports/{utcnow().astimezone(settings.zone).year}")
    assert any(m["earned_on"] for m in achieved["medals"])
    assert all(m["zh"] for m in achieved["medals"])
    assert "percentile" in achieved["district"]
    assert report["total_grams"] > 0
    assert report["by_family"][0]["zh"] == "公交出行"
    assert medals.calls == 2

    inbox = Screen(client, headers)  # 消息: the inbox
    notifications = await inbox.get("/v1/me/notifications")
    assert notifications["items"]
    assert "unread" in notifications
    assert inbox.calls == 1
