"""Bodies of the city routes: the JSON that service/city/controllers.py's ``report_json`` (reductions) and
service/city/summary.py's ``summary`` build, described for the OpenAPI document.

The handlers return those dicts as they are; these models document them and the tests validate the
dicts against them (strictly, no extra keys), so a change to either shows up in the suite.

A key that a dict leaves out rather than sets to null (a group's grouping keys, a block's ``reason``) is
declared with its plain type and ``default=None``: the document then says "optional", not "nullable".
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from service.city.units import Unit
from service.methodology.schemas import FamilyId, FamilyOut

# service/city/reductions.py DIMENSIONS, in its order (a test keeps the two equal).
GroupBy = Literal["day", "month", "year", "family", "methodology", "district"]
# Why a published cell is hidden: service/city/grid.py PRIMARY and COMPLEMENT (a test keeps them equal).
SuppressionReason = Literal["fewer_than_k", "complement"]
# A cell's family: one of the plan's, or "unknown" for a methodology no longer installed
# (service/city/grid.py UNKNOWN_FAMILY).
CellFamily = Literal[FamilyId, "unknown"]

SUPPRESSED_NULL = "; null when suppressed"
CO2E = (
    "grams CO2e credited in the answer's unit: tonnes to 2 decimals (10.01), kilograms to 1 (10005.0), "
    "grams as an integer (the same as grams); rounded half up" + SUPPRESSED_NULL
)
UNIT = "the unit of every co2e figure, as asked with unit= (t, kg or g; g by default)"


class _Out(BaseModel):
    """A response body described exactly: validating one refuses keys the model does not declare."""

    model_config = ConfigDict(extra="forbid")


class GroupOut(_Out):
    """One published cell of the city's grid: a group of the grouping asked for, or the range's total."""

    day: dt.date = Field(  # type: ignore[assignment]  # absent, never null: see the module docstring
        default=None,
        description="the local day (YYYY-MM-DD); present only when grouped by day",
    )
    month: str = Field(  # type: ignore[assignment]
        default=None,
        pattern=r"^\d{4}-\d{2}$",
        description="the month (YYYY-MM); present only when grouped by month",
    )
    year: str = Field(  # type: ignore[assignment]
        default=None,
        pattern=r"^\d{4}$",
        description="the year (YYYY); present only when grouped by year",
    )
    family: CellFamily = Field(
        default=None,  # type: ignore[arg-type]
        description="the plan's family (unknown for a methodology no longer installed); present only when "
        "grouped by family",
    )
    methodology: str = Field(  # type: ignore[assignment]
        default=None, description="the methodology's id; present only when grouped by methodology"
    )
    district: str = Field(  # type: ignore[assignment]
        default=None,
        description="the district's code (unknown for residents without one); present only when grouped "
        "by district",
    )
    suppressed: bool = Field(
        description="whether the cell is hidden: fewer than k participants, or hidden too so that no hidden "
        "cell can be worked out from the cells shown; its figures are then null"
    )
    grams: int | None = Field(description="grams CO2e credited" + SUPPRESSED_NULL)
    co2e: float | None = Field(description=CO2E)
    actions: int | None = Field(
        description="accepted actions counted (reversed ones are not)" + SUPPRESSED_NULL
    )
    coins: int | None = Field(description="coins credited" + SUPPRESSED_NULL)
    participants: int | None = Field(
        description="distinct residents with an action counted in the cell" + SUPPRESSED_NULL
    )


# "from" is a Python keyword, so the range's fields are declared with create_model: as the fields' own
# names, since the document names response properties by field name (an alias would not show).
_ReductionsRange = create_model(
    "_ReductionsRange",
    __base__=_Out,
    __doc__="The range a reductions answer covers.",
    **{
        "from": (dt.date, Field(description="the range's first day (a local date, YYYY-MM-DD)")),
        "to": (dt.date, Field(description="the range's last day (a local date, YYYY-MM-DD)")),
    },  # type: ignore[call-overload]
)


class ReductionsOut(_ReductionsRange):
    """Grams CO2e, actions, coins and participants of a date range, by group: cells of the published grid."""

    group_by: list[GroupBy] = Field(
        description="the grouping asked for, in the order asked; empty for the range's total alone"
    )
    k: int | None = Field(
        description="the publication's k: cells with fewer participants are hidden; null before the first "
        "publication"
    )
    published_at: dt.datetime | None = Field(
        description="when the grid these figures are read from was published (ISO 8601 timestamp, UTC); "
        "null before the first publication, when groups is empty and total null"
    )
    behind_seconds: int | None = Field(
        description="how far these figures may be behind the credits, in seconds: the time since the "
        "publication, which counted every action credited before it; null before the first publication",
        ge=0,
    )
    waiting_actions: int = Field(
        description="credited actions logged but not yet folded into the roll-ups (a job folds them "
        "every minute, and the next publication counts them)",
        ge=0,
    )
    unit: Unit = Field(description=UNIT)
    groups: list[GroupOut] = Field(
        description="one per published cell of the grouping in the range, ordered by its keys; a group "
        "without any action is absent"
    )
    total: GroupOut | None = Field(
        description="the range's own cell (zeros when it has no action), when the range is one whole day, "
        "month or year; null otherwise (a sum over any other range could be subtracted from another)"
    )


class BlockOut(_Out):
    """Published totals of one cell of the grid; a cell without any action is zeros, not hidden."""

    grams: int | None = Field(description="grams CO2e credited" + SUPPRESSED_NULL)
    co2e: float | None = Field(description=CO2E)
    actions: int | None = Field(
        description="accepted actions counted (reversed ones are not)" + SUPPRESSED_NULL
    )
    coins: int | None = Field(description="coins credited" + SUPPRESSED_NULL)
    participants: int | None = Field(
        description="distinct residents with an action counted in the cell" + SUPPRESSED_NULL
    )
    suppressed: bool = Field(description="whether the cell is hidden; its figures are then null")
    reason: SuppressionReason = Field(  # absent, never null: see the module docstring
        default=None,  # type: ignore[arg-type]
        description="why it is hidden: fewer_than_k (fewer than k participants) or complement (hidden so "
        "that a hidden cell cannot be worked out from the others); present only when suppressed",
    )


class ThisYearOut(BlockOut):
    """This year's published totals, over all districts and methodologies."""

    year: int = Field(description="the city's current year")


class FamilySummaryOut(_Out):
    """One of the plan's six families: its methodologies, whether it is live, and its published totals."""

    id: FamilyId = Field(description="the family's id")
    zh: str = Field(description="the family's name in Chinese, as the plan names it")
    en: str = Field(description="the family's name in English")
    methodologies: list[str] = Field(description="ids of the installed methodologies of the family, sorted")
    live: bool = Field(
        description="whether one of its methodologies has a counted action on one of the city's last "
        "live_window_days local days (30 by default): the plan counts live scenarios in families"
    )
    to_date: BlockOut = Field(description="the family's totals of all time, over all districts")
    this_year: BlockOut = Field(description="the family's totals this year, over all districts")


class CoinsOut(_Out):
    """Coins by where they are, live (not from the published grid)."""

    issued: int = Field(description="coins issued, ever")
    redeemed: int = Field(description="coins merchants hold: what residents paid them")
    expired: int = Field(description="coins that expired")
    adjusted: int = Field(
        description="coins the adjustment account holds: the net of corrections (negative when they gave "
        "coins out)"
    )
    donated: int = Field(description="coins residents gave to public-welfare projects (never returned)")
    outstanding: int = Field(description="coins the residents' wallets hold now, held coins included")


class MethodologyLabelOut(_Out):
    """A methodology's names, to label the reductions grouped by methodology."""

    id: str = Field(description="the methodology's id")
    family: FamilyId = Field(description="the plan's family it belongs to")
    zh: str = Field(description="its name in Chinese")
    en: str = Field(description="its name in English")


class DistrictOut(_Out):
    """A district of the city, to label the reductions grouped by district."""

    code: str = Field(description="the district's code, as groups carry it (unknown: residents without one)")
    zh: str = Field(description="its name in Chinese")
    en: str = Field(description="its name in English")


class TargetPartOut(_Out):
    """A target for one family or one district, and the progress towards it (in the target's unit)."""

    id: str = Field(description="the family's id (in families) or the district's code (in districts)")
    zh: str = Field(description="its name in Chinese")
    en: str = Field(description="its name in English")
    target: float = Field(description="the figure to reach, in the target's unit")
    actual: float | None = Field(
        description="where it stands, in the target's unit (annual_tonnes: this year's published grams of "
        "the family or district, in tonnes to 2 decimals); null when its cell is hidden or the target is "
        "not one Tanbi measures"
    )
    progress: float | None = Field(description="actual / target, to 4 decimals; null when actual is")
    suppressed: bool = Field(
        description="whether actual is null because the published cell is hidden (fewer than k "
        "participants, or a complement)"
    )


class TargetOut(_Out):
    """One of the plan's targets and the progress towards it, overall and for the parts the file names."""

    id: str = Field(description="the target's id (e.g. live_scenarios, annual_tonnes)")
    zh: str = Field(description="the target in Chinese")
    en: str = Field(description="the target in English")
    unit: str = Field(description="the unit of target and actual (e.g. families, t CO2e)")
    target: float = Field(description="the figure to reach, in unit")
    source: str = Field(description="where the target comes from; empty when the targets file gives none")
    due: dt.date = Field(
        description="when it is due (a local date; this year's last day for a yearly target)"
    )
    actual: float | None = Field(
        description="where the city stands, in unit (annual_tonnes: this year's published grams in tonnes, "
        "0 while they are hidden); null for a target Tanbi does not measure"
    )
    progress: float | None = Field(description="actual / target, to 4 decimals; null when actual is")
    families: list[TargetPartOut] = Field(
        description="the target's per-family parts, in the targets file's order; empty when it names none "
        "(only targets that add up over families, such as annual_tonnes, may)"
    )
    districts: list[TargetPartOut] = Field(
        description="the target's per-district parts, in the targets file's order; empty when it names none"
    )


class SummaryOut(_Out):
    """Totals to date and this year, by family, coins, labels, and progress to the plan's targets."""

    as_of: dt.datetime = Field(
        description="when the summary was made (ISO 8601 timestamp, UTC); coins and targets are as of then"
    )
    published_at: dt.datetime | None = Field(
        description="when the grid the totals are read from was published (ISO 8601 timestamp, UTC); null "
        "before the first publication (the totals are then zeros)"
    )
    behind_seconds: int | None = Field(
        description="how far these figures may be behind the credits, in seconds: the time since the "
        "publication, which counted every action credited before it; null before the first publication",
        ge=0,
    )
    waiting_actions: int = Field(
        description="credited actions logged but not yet folded into the roll-ups (a job folds them "
        "every minute, and the next publication counts them)",
        ge=0,
    )
    k: int = Field(
        description="the publication's k (the configured one before the first publication): cells with "
        "fewer participants are hidden"
    )
    today: dt.date = Field(description="the city's local date")
    unit: Unit = Field(description=UNIT)
    to_date: BlockOut = Field(description="totals of all time, over all districts and methodologies")
    this_year: ThisYearOut = Field(description="this year's totals, over all districts and methodologies")
    families: list[FamilySummaryOut] = Field(
        description="each of the plan's six families, in the plan's order"
    )
    coins: CoinsOut = Field(description="coins by where they are")
    methodologies: list[MethodologyLabelOut] = Field(description="every installed methodology's names")
    family_labels: list[FamilyOut] = Field(description="the plan's six families' names, in the plan's order")
    districts: list[DistrictOut] = Field(description="the city's districts, then unknown")
    targets: list[TargetOut] = Field(description="the plan's targets, in the targets file's order")
