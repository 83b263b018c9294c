"""Bodies of the methodology routes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# The plan's six families (methodologies/_sdk/families.py FAMILY_IDS, in its order; a test keeps the two
# equal). Every methodology belongs to one; the city reads and targets by family.
FamilyId = Literal[
    "public_transport",
    "online_payment",
    "new_energy_vehicles",
    "fuel_car_parked",
    "low_carbon_consumption",
    "low_carbon_community",
]


class Strict(BaseModel):
    """A request body that refuses unknown fields."""

    model_config = ConfigDict(extra="forbid")


class ParameterOut(BaseModel):
    """One parameter of a methodology: its value now, its default and where the number comes from."""

    name: str = Field(description="the parameter's name (the key to give in a parameter version's overrides)")
    value: Any = Field(
        description="the value in effect now (decimal numbers as strings, so nothing is rounded)"
    )
    default: Any = Field(description="the value the current code version ships with (decimals as strings)")
    unit: str = Field(description="the unit of the value (e.g. g CO2 / pkm, days)")
    source: str = Field(description="the document or reasoning the default comes from")
    year: int = Field(description="the year of that source")
    description: str = Field(description="what the parameter does; empty when the methodology gives none")


class ParamVersionOut(BaseModel):
    """A version of a methodology's parameters: every value, what it changed and from when it applies."""

    version: int = Field(description="the version number, from 1, counted per methodology")
    code_version: str = Field(description="the code version these parameters are for")
    effective_from: dt.datetime = Field(
        description="actions that occurred from this time on are credited with this version, until a later "
        "one takes effect (ISO 8601 timestamp, UTC)"
    )
    reason: str = Field(description="why the version was published")
    overrides: dict[str, Any] = Field(
        description="the parameters this version changed, with their new values (decimals as strings); "
        "empty for a methodology's first version (its shipped defaults)"
    )
    params_hash: str = Field(
        description="SHA-256 (hex) of all the version's values; an action records the hash it was "
        "credited with"
    )
    created_by: str = Field(
        description="who published it: system for shipped defaults, else role:subject of the city user"
    )
    created_at: dt.datetime = Field(description="when it was published (ISO 8601 timestamp, UTC)")


class FamilyOut(BaseModel):
    """One of the plan's six families of carbon-inclusive scenarios."""

    id: FamilyId = Field(description="one of the plan's six families")
    zh: str = Field(description="the family's name in Chinese, as the plan names it")
    en: str = Field(description="the family's name in English")


class MethodologySummary(BaseModel):
    """A methodology: what it credits, how it is versioned and what evidence it takes."""

    id: str = Field(description="the methodology's id: the event type partners report it with")
    title: str = Field(description="the methodology's title, English (中文)")
    source: str = Field(description="the documents the methodology follows")
    family: FamilyOut = Field(description="the plan's family the methodology belongs to")
    partner: str = Field(
        description="who can prove the action and reports it; empty when the methodology does not say"
    )
    version: str = Field(description="current code version")
    versions: list[str] = Field(description="every loadable code version (old ones replay old actions)")
    params_version: int = Field(description="parameter version in effect now")
    evidence_schema: dict[str, Any] = Field(description="JSON Schema of the evidence a partner sends")
    identifiers: dict[str, str] = Field(
        description="evidence fields Tanbi replaces with its keyed hash before storing, and their kind"
    )


class ReasonOut(BaseModel):
    """A reason code an action may be rejected with, and its meaning."""

    code: str = Field(description="the reason code, as actions and events carry it")
    zh: str = Field(description="its meaning in Chinese")
    en: str = Field(description="its meaning in English")


class MethodologyOut(MethodologySummary):
    """A methodology, fully documented: its README, assets, reason codes and parameters."""

    readme: str = Field(description="the methodology's documentation (Markdown)")
    asset_schema: dict[str, Any] | None = Field(
        description="JSON Schema of the attributes of the assets its evidence refers to (e.g. a PV "
        "system); null for a methodology without assets"
    )
    asset_registrar: Literal["resident", "partner"] = Field(
        description="who registers the assets evidence refers to: resident or partner"
    )
    evidence_example: dict[str, Any] | None = Field(
        description="an example of valid evidence; null when the methodology gives none"
    )
    reasons: list[ReasonOut] = Field(description="every reason code the methodology and the service may give")
    parameters: list[ParameterOut] = Field(description="every parameter of the current code version")
    parameter_versions: list[ParamVersionOut] = Field(
        description="every parameter version of the methodology, in version order"
    )


class QuantifyIn(Strict):
    """Evidence to quantify without storing anything (a dry run)."""

    evidence: dict[str, Any] = Field(
        description="the evidence, as the methodology's evidence_schema describes it"
    )
    asset: dict[str, Any] | None = Field(
        default=None,
        description="the registered asset, for methodologies with one (taken as a partner's record)",
    )
    code_version: str | None = Field(
        default=None,
        max_length=32,
        pattern=r"^\d+\.\d+\.\d+$",
        description="a loadable code version to quantify with (default: the current one); its parameter "
        "version in effect when the evidence occurred is used",
    )
    checked_at: AwareDatetime | None = Field(
        default=None,
        description="judge freshness (stale, in_future) as if the evidence were reported at this time "
        "(default: now), e.g. to check historical records",
    )


class VerdictOut(BaseModel):
    """Whether the evidence would be accepted, and why not."""

    accepted: bool = Field(description="whether the evidence would be credited")
    reasons: list[str] = Field(
        description="the reason codes it would be rejected with (see the methodology's reasons); empty "
        "when accepted"
    )


class QuantifyOut(BaseModel):
    """What the evidence would be credited, had a partner reported it (nothing is stored)."""

    methodology: str = Field(description="the methodology's id")
    code_version: str = Field(description="the code version it was quantified with")
    params_version: int = Field(description="the parameter version it was quantified with")
    params_hash: str = Field(description="SHA-256 (hex) of that parameter version's values")
    verdict: VerdictOut = Field(description="the checks' outcome")
    grams: int = Field(description="grams CO2e that would be credited (0 when rejected)")
    coins: int = Field(description="coins those grams would buy (whole coins only, rounded down)")
    breakdown: dict[str, Any] = Field(
        description="how the grams were worked out: the formula, inputs and factors, the caps that would "
        "apply and the credited grams"
    )


class PublishIn(Strict):
    """A new parameter version: the latest values with some overridden, from a given time on."""

    overrides: dict[str, Any] = Field(
        min_length=1,
        max_length=50,
        description='parameter name -> new value (decimals as strings, e.g. "0.9"); the other parameters '
        "keep the latest version's values",
    )
    reason: str = Field(min_length=3, max_length=500, description="why the parameters change (audited)")
    effective_from: AwareDatetime = Field(
        description="when the version takes effect for actions that occur from then on (ISO 8601 with "
        "zone); not in the past, nor before the latest version's"
    )
