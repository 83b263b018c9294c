"""HTTP routes: a resident's achievements and yearly report, and the district leaderboard."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import Parameter, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from methodologies._sdk.families import family_names
from service.achievements import derive
from service.achievements.rules import GRAMS_PER_TREE, MEDALS, TREE_SOURCE, Level, level_of, trees
from service.achievements.schemas import (
    AchievementsOut,
    CoinsOut,
    DistrictsOut,
    DistrictStandingOut,
    FamilyGramsOut,
    LeaderboardOut,
    LeaderboardRowOut,
    LevelOut,
    MedalOut,
    MonthGramsOut,
    TreesOut,
    YearReportOut,
)
from service.city import periods
from service.city.models import ALL, CityCell
from service.city.publication import latest
from service.city.schemas import DistrictOut
from service.db.base import utcnow
from service.identity.guards import provide_principal, requires
from service.identity.principal import Principal, Role
from service.identity.service import active_resident
from service.ledger.models import Account
from service.settings import Settings

FIRST_YEAR, LAST_YEAR = 2000, 2100
PERIOD = QueryParameter(description="all: all time (default); year: this calendar year")


class AchievementController(Controller):
    """Like every resident route, each handler starts with ``active_resident`` (a deleted account's token
    is refused)."""

    path = "/v1/me"
    tags = ["resident"]
    guards = requires(Role.RESIDENT)
    dependencies = {"principal": Provide(provide_principal)}

    @get("/achievements", operation_id="me_achievements", summary="Level, medals, trees, district standing")
    async def achievements(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
    ) -> AchievementsOut:
        settings: Settings = request.app.state.services.settings
        resident = await active_resident(db_session, principal.resident_id)
        actions = await derive.counted(db_session, resident.id, settings.zone)
        grams = sum(a.grams for a in actions)
        month = utcnow().astimezone(settings.zone).date().replace(day=1)
        level, following = level_of(grams)
        standing = await derive.standing(db_session, resident.id, resident.district, grams)
        return AchievementsOut(
            lifetime_grams=grams,
            this_month_grams=sum(a.grams for a in actions if a.day >= month),
            level=_level(level),
            next_level=_level(following) if following else None,
            grams_to_next_level=following.from_grams - grams if following else None,
            trees=_trees(grams),
            medals=_all_medals(derive.medals(actions)),
            district=_standing(standing, settings),
        )

    @get(
        "/reports/{year:int}",
        operation_id="me_year_report",
        summary="年度碳账单: one year in grams and coins",
    )
    async def year_report(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        year: Annotated[
            int, Parameter(description="a calendar year in the city's time zone", ge=FIRST_YEAR, le=LAST_YEAR)
        ],
    ) -> YearReportOut:
        settings: Settings = request.app.state.services.settings
        resident = await active_resident(db_session, principal.resident_id)
        actions = await derive.counted(db_session, resident.id, settings.zone)
        report = derive.year_report(actions, year)
        wallet = await db_session.scalar(sa.select(Account.id).where(Account.code == f"wallet:{resident.id}"))
        coins = await derive.coins_in_year(db_session, wallet, year, settings.zone)
        months = [MonthGramsOut(month=m, grams=g) for m, g in report.grams_by_month.items()]
        best = max(months, key=lambda m: (m.grams, -m.month))
        total = sum(report.grams_by_month.values())
        return YearReportOut(
            year=year,
            total_grams=total,
            trees=_trees(total),
            by_family=[_family(f, g, n) for f, (g, n) in report.grams_by_family.items()],
            by_month=months,
            best_month=best if best.grams > 0 else None,
            medals=[_medal(e.medal, e.on) for e in report.medals],
            coins=CoinsOut(**vars(coins)),
        )


class LeaderboardController(Controller):
    path = "/v1/districts"
    tags = ["resident"]
    guards = requires(Role.RESIDENT)
    dependencies = {"principal": Provide(provide_principal)}

    @get("", operation_id="districts_list", summary="The city's districts, to choose where one lives")
    async def districts(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
    ) -> DistrictsOut:
        settings: Settings = request.app.state.services.settings
        await active_resident(db_session, principal.resident_id)
        names = [DistrictOut(code=d.code, zh=d.zh, en=d.en) for d in settings.city.districts]
        return DistrictsOut(districts=names)

    @get("/leaderboard", operation_id="district_leaderboard", summary="Districts by grams per resident")
    async def leaderboard(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        period: Annotated[Literal["all", "year"], PERIOD] = "all",
    ) -> LeaderboardOut:
        settings: Settings = request.app.state.services.settings
        await active_resident(db_session, principal.resident_id)
        today = utcnow().astimezone(settings.zone).date()
        kind = "a" if period == "all" else "y"
        c = CityCell.__table__.c
        rows = await db_session.execute(
            sa.select(c.district, c.grams, c.participants).where(
                c.kind == kind,
                c.period == periods.start(kind, today),
                c.scenario == ALL,
                c.district != ALL,
                c.suppressed.is_(None),
                c.participants > 0,
            )
        )
        names = {d.code: d for d in settings.city.districts}
        ranked = sorted(
            ((district, grams // participants, participants) for district, grams, participants in rows),
            key=lambda r: (-r[1], r[0]),
        )
        publication = await latest(db_session)
        return LeaderboardOut(
            period=period,
            published_at=publication.published_at if publication else None,
            k=publication.k if publication else settings.city.k_anonymity,
            districts=[
                LeaderboardRowOut(
                    rank=n,
                    district=code,
                    zh=names[code].zh,
                    en=names[code].en,
                    grams_per_resident=per,
                    participants=people,
                )
                for n, (code, per, people) in enumerate((r for r in ranked if r[0] in names), start=1)
            ],
        )


def _level(level: Level) -> LevelOut:
    return LevelOut(number=level.number, zh=level.zh, en=level.en, from_grams=level.from_grams)


def _trees(grams: int) -> TreesOut:
    return TreesOut(count=trees(grams), grams_per_tree=GRAMS_PER_TREE, source=TREE_SOURCE)


def _medal(medal: Any, on: dt.date | None) -> MedalOut:
    return MedalOut(id=medal.id, zh=medal.zh, en=medal.en, earned_on=on)


def _all_medals(earned: list[derive.Earned]) -> list[MedalOut]:
    got = {e.medal.id for e in earned}
    return [_medal(e.medal, e.on) for e in earned] + [_medal(m, None) for m in MEDALS if m.id not in got]


def _family(family: str, grams: int, actions: int) -> FamilyGramsOut:
    zh, en = family_names(family)
    return FamilyGramsOut(
        family=family,
        zh=zh,
        en=en,
        grams=grams,
        actions=actions,
    )


def _standing(standing: derive.Standing, settings: Settings) -> DistrictStandingOut:
    k = settings.city.k_anonymity
    district = next((d for d in settings.city.districts if d.code == standing.district), None)
    shown = standing.residents >= k
    return DistrictStandingOut(
        code=standing.district,
        zh=district.zh if district else None,
        en=district.en if district else None,
        residents=standing.residents if shown and standing.district else None,
        percentile=standing.percentile(k),
    )
