"""The city's reductions: cells of the published grid, with exact distinct participants per period."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import sqlalchemy as sa

from service.actions.counting import take_back
from service.actions.models import Action
from service.city.publication import publish
from service.city.reductions import parse_group_by, reductions
from service.city.rollups import RollupLog
from service.city.verify import verify_rollups
from service.db.base import utcnow
from service.errors import Invalid
from service.ledger.service import Ledger
from service.settings import CitySettings
from tests.integration.actions.conftest import ZONE
from tests.integration.city.conftest import trips

NOV = dt.date(2026, 11, 2)  # a Monday
FAMILIES = {"bus_trip": "public_transport", "bike_share_ride": "public_transport"}


def _days(*offsets: int) -> list[dt.date]:
    return [NOV + dt.timedelta(days=n) for n in offsets]


async def _truth(session, first: dt.date, last: dt.date) -> dict[tuple[str, str], set[int]]:  # type: ignore[no-untyped-def]
    """Participants by (methodology or "family:<id>", district) straight from the actions (what the roll-ups
    must say)."""
    rows = await session.execute(
        sa.select(
            Action.resident_id, Action.methodology_id, Action.family, Action.district, Action.occurred_at
        ).where(Action.status == "accepted", Action.reversed_at.is_(None))
    )
    out: dict[tuple[str, str], set[int]] = {}
    for resident, methodology, family, district, occurred in rows:
        if first <= occurred.astimezone(ZONE).date() <= last:
            for scenario in (methodology, f"family:{family}", "*"):
                for key in ((scenario, district), (scenario, "*")):
                    out.setdefault(key, set()).add(resident)
    return out


async def _published(session, families=FAMILIES) -> None:  # type: ignore[no-untyped-def]
    await publish(
        session, CitySettings().model_copy(update={"k_anonymity": 1}), families, utcnow()
    )  # k = 1: every cell shown, to compare with the truth


async def test_participants_are_exact_for_every_period(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(6)
    families = registry.families()
    async with database.session() as session:
        for n in range(8):
            offsets = sorted(rng.sample(range(0, 40), 3))  # spans weeks and the month's end
            await trips(
                session,
                settings,
                registry,
                ["chashan", "ganlu", None][n % 3],
                _days(*offsets),
                ["bus", "bike"][n % 2],
            )
        await _published(session, families)
        ranges = [(NOV + dt.timedelta(days=d), NOV + dt.timedelta(days=d)) for d in (0, 5, 29)]  # days
        ranges += [
            (dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
            (dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
            (dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        ]
        for first, last in ranges:
            truth = await _truth(session, first, last)
            by_both = await reductions(session, first, last, ["methodology", "district"], families)
            assert {(c.key["methodology"], c.key["district"]): c.participants for c in by_both.groups} == {
                k: len(v) for k, v in truth.items() if "*" not in k and not k[0].startswith("family:")
            }, (first, last)
            assert by_both.total.participants == len(truth.get(("*", "*"), set()))
            by_family = await reductions(session, first, last, ["family", "district"], families)
            assert {
                ("family:" + c.key["family"], c.key["district"]): c.participants for c in by_family.groups
            } == {k: len(v) for k, v in truth.items() if "*" not in k and k[0].startswith("family:")}
            for dims, star in ((["methodology"], 1), (["district"], 0)):
                report = await reductions(session, first, last, dims, families)
                expected = {
                    k[1 - star]: len(v)
                    for k, v in truth.items()
                    if k[star] == "*" and k[1 - star] != "*" and not k[0].startswith("family:")
                }
                assert {c.key[dims[0]]: c.participants for c in report.groups} == expected, (
                    first,
                    last,
                    dims,
                )
        assert (await verify_rollups(session, settings)).ok


async def test_time_groups_are_whole_periods(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        a = await trips(session, settings, registry, "chashan", _days(0, 1, 7, 30))  # Nov 2, 3, 9; Dec 2
        b = await trips(session, settings, registry, "chashan", _days(1, 8))  # Nov 3, 10
        await _published(session)
        days = await reductions(session, NOV, dt.date(2026, 12, 6), ["day"], FAMILIES)
        got = {c.key["day"]: (c.actions, c.participants) for c in days.groups}
        assert got == {"2026-11-02": (1, 1), "2026-11-03": (2, 2), "2026-11-09": (1, 1)} | {
            "2026-11-10": (1, 1),
            "2026-12-02": (1, 1),
        }
        assert days.total is None  # 35 days are not one period: no sum over them is published
        months = await reductions(session, dt.date(2026, 1, 1), dt.date(2026, 12, 31), ["month"], FAMILIES)
        assert {c.key["month"]: (c.actions, c.participants) for c in months.groups} == {
            "2026-11": (5, 2),
            "2026-12": (1, 1),
        }
        assert (months.total.actions, months.total.participants) == (6, 2)  # the year's own cell
        days = await reductions(session, NOV, NOV + dt.timedelta(days=1), ["day", "district"], FAMILIES)
        assert [(c.key["day"], c.key["district"], c.participants) for c in days.groups] == [
            ("2026-11-02", "chashan", 1),
            ("2026-11-03", "chashan", 2),
        ]
        assert {a, b}
        for first, last, dims, code in (
            (NOV, dt.date(2026, 11, 8), [], "range_not_a_period"),  # so an ISO week is not a period
            (NOV, dt.date(2026, 11, 30), ["month"], "range_not_whole_periods"),
            (dt.date(2026, 11, 1), dt.date(2026, 12, 15), ["month"], "range_not_whole_periods"),
            (NOV, NOV + dt.timedelta(days=1), ["district"], "range_not_a_period"),
            (dt.date(2026, 11, 1), dt.date(2026, 12, 31), [], "range_not_a_period"),
        ):
            with pytest.raises(Invalid) as refused:
                await reductions(session, first, last, dims, FAMILIES)
            assert refused.value.code == code
        with pytest.raises(Invalid) as refused:
            parse_group_by("week,district")  # weeks straddle months: not published
        assert refused.value.code == "invalid_group_by"


async def test_a_reversed_credit_leaves_the_counts(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await trips(session, settings, registry, "jinhu", _days(0))
        action = await session.scalar(sa.select(Action).where(Action.resident_id == resident))
        await _published(session)
        before = await reductions(session, NOV, NOV, ["district"], FAMILIES)
        assert [(c.key, c.participants, c.actions) for c in before.groups] == [({"district": "jinhu"}, 1, 1)]
        await Ledger(session, settings.ledger, settings.zone).reverse(action.transfer_id, reference="test")
        await take_back(session, RollupLog(), settings.zone, action, action.occurred_at)
        await take_back(
            session, RollupLog(), settings.zone, action, action.occurred_at
        )  # a replay changes nothing
        await _published(session)
        after = await reductions(session, NOV, NOV, ["district"], FAMILIES)
        assert after.groups == []
        assert after.total.participants == 0
        assert (await verify_rollups(session, settings)).ok
