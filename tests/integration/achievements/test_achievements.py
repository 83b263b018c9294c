"""Achievements, yearly reports and the district leaderboard, from real credited actions on both databases."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from service.achievements.derive import Counted, medals, streak_reached
from service.achievements.rules import GRAMS_PER_TREE
from service.actions.counting import take_back
from service.actions.models import Action
from service.city.rollups import RollupLog
from service.identity.principal import Role
from service.ledger.service import Ledger
from tests.integration.city.conftest import published, trips

MONDAY = dt.date(2026, 9, 7)  # ISO week 37


def _weeks(*offsets: int) -> list[dt.date]:
    return [MONDAY + dt.timedelta(weeks=n, days=2) for n in offsets]


async def _grams(session, resident: int) -> int:  # type: ignore[no-untyped-def]
    total = await session.scalar(
        sa.select(sa.func.sum(Action.grams)).where(
            Action.resident_id == resident, Action.status == "accepted", Action.reversed_at.is_(None)
        )
    )
    return int(total or 0)


def test_medals_follow_the_order_of_the_actions() -> None:
    day = dt.date(2026, 1, 5)
    actions = [
        Counted(day, "public_transport", "bus_trip", 6_000),
        Counted(day + dt.timedelta(days=8), "low_carbon_consumption", "reusable_bag", 4_000),
        Counted(day + dt.timedelta(days=15), "public_transport", "bus_trip", 95_000),
    ]
    earned = {e.medal.id: e.on for e in medals(actions)}
    assert earned["first:public_transport"] == day
    assert earned["first:low_carbon_consumption"] == day + dt.timedelta(days=8)
    assert earned["grams:10kg"] == day + dt.timedelta(days=8)  # 6 + 4 kg
    assert earned["grams:100kg"] == day + dt.timedelta(days=15)
    assert "grams:1t" not in earned
    assert "streak:4w" not in earned  # three weeks in a row, not four


def test_a_streak_restarts_after_a_missed_week() -> None:
    monday = dt.date(2026, 3, 2)
    days = [monday + dt.timedelta(weeks=w) for w in (0, 1, 2, 4, 5, 6, 7)]
    actions = [Counted(d, "public_transport", "bus_trip", 100) for d in days]
    assert streak_reached(actions, 4) == monday + dt.timedelta(weeks=7)
    assert streak_reached(actions, 3) == monday + dt.timedelta(weeks=2)
    # Two actions in one week count as one week.
    twice = [*actions[:1], Counted(monday + dt.timedelta(days=3), "public_transport", "bus_trip", 1)]
    assert streak_reached(twice, 2) is None


async def test_achievements_come_from_the_credited_actions(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await trips(session, settings, registry, "jinhu", _weeks(0, 1, 2, 3))
        await session.commit()
    async with database.session() as session:
        grams = await _grams(session, resident)
    me = bearer(Role.RESIDENT, str(resident))
    body = (await client.get("/v1/me/achievements", headers=me)).json()
    assert body["lifetime_grams"] == grams > 0
    assert body["level"]["number"] == 1
    assert body["level"]["zh"] == "绿芽"
    assert body["next_level"]["from_grams"] == 1_000
    assert body["grams_to_next_level"] == 1_000 - grams
    assert body["trees"]["count"] == round(grams / GRAMS_PER_TREE, 1)
    assert "EPA" in body["trees"]["source"]
    earned = {m["id"]: m["earned_on"] for m in body["medals"] if m["earned_on"]}
    assert earned == {
        "first:public_transport": _weeks(0)[0].isoformat(),
        "streak:4w": _weeks(3)[0].isoformat(),
    }
    assert {m["id"] for m in body["medals"]} >= {"grams:1t", "streak:12w", "first:online_payment"}
    # Under k residents in the district: no count and no percentile.
    assert body["district"] == {
        "code": "jinhu",
        "zh": "金湖乡",
        "en": "Jinhu Township",
        "residents": None,
        "percentile": None,
    }


async def test_a_reversed_credit_leaves_the_achievements(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await trips(session, settings, registry, "jinhu", _weeks(0, 1))
        first = await session.scalar(
            sa.select(Action).where(Action.resident_id == resident).order_by(Action.occurred_at)
        )
        await Ledger(session, settings.ledger, settings.zone).reverse(first.transfer_id, reference="test")
        await take_back(session, RollupLog(), settings.zone, first, dt.datetime.now(dt.UTC))
        await session.commit()
    async with database.session() as session:
        grams = await _grams(session, resident)
    me = bearer(Role.RESIDENT, str(resident))
    body = (await client.get("/v1/me/achievements", headers=me)).json()
    assert body["lifetime_grams"] == grams
    earned = {m["id"]: m["earned_on"] for m in body["medals"] if m["earned_on"]}
    assert earned == {"first:public_transport": _weeks(1)[0].isoformat()}
    report = (await client.get("/v1/me/reports/2026", headers=me)).json()
    assert report["coins"]["reversed"] == first.coins
    assert report["coins"]["earned"] == first.coins * 2


async def test_the_percentile_ranks_a_resident_within_their_district(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        residents = [
            await trips(session, settings, registry, "chashan", _weeks(*range(n))) for n in range(10)
        ]
        await session.commit()
    assert settings.city.k_anonymity == 10
    for n in (0, 3, 9):
        body = (
            await client.get("/v1/me/achievements", headers=bearer(Role.RESIDENT, str(residents[n])))
        ).json()
        assert body["district"]["residents"] == 10
        # n residents of ten made fewer trips; the one with none is above nobody.
        assert body["district"]["percentile"] == n * 10


async def test_the_year_report(client, database, settings, registry, bearer) -> None:  # type: ignore[no-untyped-def]
    days = [dt.date(2025, 12, 30), dt.date(2026, 2, 3), dt.date(2026, 2, 10), dt.date(2026, 5, 5)]
    async with database.session() as session:
        resident = await trips(session, settings, registry, "jinhu", days)
        await trips(session, settings, registry, "jinhu", [dt.date(2026, 2, 4)], kind="bike")
        await session.commit()
    async with database.session() as session:
        stored = (await session.scalars(sa.select(Action).where(Action.resident_id == resident))).all()
    by_day = {a.occurred_at.astimezone(settings.zone).date(): a for a in stored}
    me = bearer(Role.RESIDENT, str(resident))
    body = (await client.get("/v1/me/reports/2026", headers=me)).json()
    in_2026 = [a for d, a in by_day.items() if d.year == 2026]
    assert body["total_grams"] == sum(a.grams for a in in_2026)
    assert body["by_family"] == [
        {
            "family": "public_transport",
            "zh": "公交出行",
            "en": "Public transport and cycling",
            "grams": sum(a.grams for a in in_2026),
            "actions": 3,
        }
    ]
    months = {m["month"]: m["grams"] for m in body["by_month"]}
    assert list(months) == list(range(1, 13))
    assert months[2] == by_day[dt.date(2026, 2, 3)].grams + by_day[dt.date(2026, 2, 10)].grams
    assert body["best_month"] == {"month": 2, "grams": months[2]}
    assert [m["id"] for m in body["medals"]] == []  # the first trip was in 2025
    before = (await client.get("/v1/me/reports/2025", headers=me)).json()
    # Coins count in the year they were credited, whichever that was.
    assert body["coins"]["earned"] + before["coins"]["earned"] == sum(a.coins for a in stored)
    assert [m["id"] for m in before["medals"]] == ["first:public_transport"]
    empty = (await client.get("/v1/me/reports/2024", headers=me)).json()
    assert empty["best_month"] is None
    assert empty["total_grams"] == 0
    refused = await client.get("/v1/me/reports/1999", headers=me)
    assert refused.status_code == 422
    assert refused.json()["code"] == "validation_error"


async def test_the_leaderboard_lists_districts_with_k_participants(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    day = dt.date.today()
    async with database.session() as session:
        for _ in range(10):
            me = await trips(session, settings, registry, "chashan", [day])
        for _ in range(12):
            await trips(session, settings, registry, "jinhu", [day, day - dt.timedelta(days=1)])
        await session.commit()
    await published(database, settings, registry)
    headers = bearer(Role.RESIDENT, str(me))
    body = (await client.get("/v1/districts/leaderboard", headers=headers)).json()
    assert [(r["rank"], r["district"]) for r in body["districts"]] == [(1, "jinhu"), (2, "chashan")]
    assert body["districts"][0]["participants"] == 12
    assert body["districts"][0]["zh"] == "金湖乡"
    assert body["k"] == 10
    assert body["districts"][0]["grams_per_resident"] == 2 * body["districts"][1]["grams_per_resident"]

    async with database.session() as session:
        for _ in range(3):
            await trips(session, settings, registry, "ganlu", [day])
        await session.commit()
    await published(database, settings, registry)
    body = (await client.get("/v1/districts/leaderboard", headers=headers)).json()
    listed = {r["district"]: r["participants"] for r in body["districts"]}
    assert "ganlu" not in listed  # three residents: hidden, as the grid hides them
    assert all(people >= 10 for people in listed.values())
    this_year = await client.get("/v1/districts/leaderboard", params={"period": "year"}, headers=headers)
    assert this_year.json()["period"] == "year"


async def test_the_districts_list_is_the_citys_and_each_one_is_accepted_by_patch_me(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await trips(session, settings, registry, "chashan", [dt.date.today()])
        await session.commit()
    headers = bearer(Role.RESIDENT, str(resident))
    body = (await client.get("/v1/districts", headers=headers)).json()
    assert [d["code"] for d in body["districts"]] == [d.code for d in settings.city.districts]
    assert body["districts"][0] == {"code": "chashan", "zh": "茶山街道", "en": "Chashan Subdistrict"}
    last = body["districts"][-1]["code"]
    patched = await client.patch("/v1/me", json={"district": last}, headers=headers)
    assert patched.status_code == 200
    assert patched.json()["district"] == last
    assert (await client.get("/v1/districts")).json()["code"] == "missing_token"
