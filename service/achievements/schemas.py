"""Response bodies of achievements, yearly reports and the district leaderboard."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from service.city.schemas import DistrictOut


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LevelOut(_Out):
    """A level on the way from 绿芽 to 森林, reached at a number of lifetime grams."""

    number: int = Field(description="1 (绿芽 Sprout) to 5 (森林 Forest)", ge=1, le=5)
    zh: str = Field(description="the level's name in Chinese")
    en: str = Field(description="the level's name in English")
    from_grams: int = Field(description="lifetime grams CO2e that reach this level", ge=0)


class TreesOut(_Out):
    """What the resident's lifetime grams are worth in trees."""

    count: float = Field(description="lifetime grams / grams_per_tree, one decimal", ge=0)
    grams_per_tree: int = Field(description="grams CO2e one tree stands for")
    source: str = Field(description="where the factor comes from")


class MedalOut(_Out):
    """A medal, earned or still to earn."""

    id: str = Field(
        description="first:<family> (a family's first credited action), grams:10kg|100kg|1t (lifetime "
        "grams), streak:4w|12w (consecutive ISO weeks with a credited action)"
    )
    zh: str = Field(description="the medal's name in Chinese")
    en: str = Field(description="the medal's name in English")
    earned_on: dt.date | None = Field(
        description="the local date (city time zone) it was earned; null while not earned"
    )


class DistrictStandingOut(_Out):
    """Where the resident stands among the residents of their own district."""

    code: str | None = Field(description="the resident's district; null when none is set")
    zh: str | None = Field(description="the district's Chinese name")
    en: str | None = Field(description="the district's English name")
    residents: int | None = Field(
        description="residents of the district; null when under k (the count itself would say too much)"
    )
    percentile: int | None = Field(
        description="the share of the district's residents with fewer lifetime grams, in whole percent; "
        "null when no district is set or the district has fewer than k residents",
        ge=0,
        le=100,
    )


class AchievementsOut(_Out):
    """Level, medals, trees and district standing, all from the resident's credited actions."""

    lifetime_grams: int = Field(description="grams CO2e of every accepted, unreversed action", ge=0)
    this_month_grams: int = Field(
        description="grams CO2e of this calendar month (the city's time zone), for a home screen", ge=0
    )
    level: LevelOut = Field(description="the level reached")
    next_level: LevelOut | None = Field(description="the level after it; null at the top")
    grams_to_next_level: int | None = Field(description="grams still needed for next_level", ge=0)
    trees: TreesOut = Field(description="the lifetime grams in trees")
    medals: list[MedalOut] = Field(description="every medal, earned first (by date), then the rest")
    district: DistrictStandingOut = Field(description="the resident's standing in their district")


class FamilyGramsOut(_Out):
    family: str = Field(description="the plan's family id")
    zh: str = Field(description="the family's Chinese name")
    en: str = Field(description="the family's English name")
    grams: int = Field(description="grams CO2e credited in the year", ge=0)
    actions: int = Field(description="accepted actions in the year", ge=0)


class MonthGramsOut(_Out):
    month: int = Field(description="1 to 12", ge=1, le=12)
    grams: int = Field(description="grams CO2e credited in the month", ge=0)


class CoinsOut(_Out):
    earned: int = Field(description="coins credited to the wallet in the year (credits, welcome coins)")
    spent: int = Field(description="coins paid to merchants in the year, less refunds")
    expired: int = Field(description="coins that expired in the year", ge=0)
    reversed: int = Field(description="credits taken back in the year (a partner's correction)", ge=0)


class YearReportOut(_Out):
    """年度碳账单: one resident's year, from their actions and their wallet's transfers."""

    year: int = Field(description="the calendar year, in the city's time zone")
    total_grams: int = Field(description="grams CO2e credited in the year", ge=0)
    trees: TreesOut = Field(description="the year's grams in trees")
    by_family: list[FamilyGramsOut] = Field(description="the year's grams per family, families with grams")
    by_month: list[MonthGramsOut] = Field(description="twelve months, January first")
    best_month: MonthGramsOut | None = Field(
        description="the month with the most grams (the earliest on a tie); null in a year without grams"
    )
    medals: list[MedalOut] = Field(description="medals earned in the year, by date")
    coins: CoinsOut = Field(description="coins in and out of the wallet in the year")


class LeaderboardRowOut(_Out):
    rank: int = Field(description="1 for the most grams per resident", ge=1)
    district: str = Field(description="the district's code")
    zh: str = Field(description="the district's Chinese name")
    en: str = Field(description="the district's English name")
    grams_per_resident: int = Field(description="grams CO2e per participating resident, floored", ge=0)
    participants: int = Field(description="residents who took part (at least k)", ge=0)


class LeaderboardOut(_Out):
    """Districts by grams per participating resident, from the city's published grid: a district with
    fewer than k participants is left out, as the grid hides it."""

    period: str = Field(description="all (all time) or year (this calendar year)")
    published_at: dt.datetime | None = Field(
        description="when the grid it is read from was published; null before the first publication"
    )
    k: int = Field(description="the least participants a district needs to be listed")
    districts: list[LeaderboardRowOut] = Field(description="ranked, most grams per resident first")


class DistrictsOut(_Out):
    """The city's districts, for a resident to choose where they live (``PATCH /v1/me``)."""

    districts: list[DistrictOut] = Field(description="every district of the city, in the city's order")
