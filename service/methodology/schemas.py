"""Bodies of the methodology routes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ParameterOut(BaseModel):
    name: str
    value: Any
    default: Any
    unit: str
    source: str
    year: int
    description: str


class ParamVersionOut(BaseModel):
    version: int
    code_version: str = Field(description="the code version these parameters are for")
    effective_from: dt.datetime
    reason: str
    overrides: dict[str, Any]
    params_hash: str
    created_by: str
    created_at: dt.datetime


class FamilyOut(BaseModel):
    id: str = Field(description="one of the plan's six families")
    zh: str
    en: str


class MethodologySummary(BaseModel):
    id: str
    title: str
    source: str
    family: FamilyOut
    partner: str = Field(description="who can prove the action and reports it")
    version: str = Field(description="current code version")
    versions: list[str] = Field(description="every loadable code version (old ones replay old actions)")
    params_version: int = Field(description="parameter version in effect now")
    evidence_schema: dict[str, Any] = Field(description="JSON Schema of the evidence a partner sends")
    identifiers: dict[str, str] = Field(
        description="evidence fields Tanbi replaces with its keyed hash before storing, and their kind"
    )


class ReasonOut(BaseModel):
    code: str
    zh: str
    en: str


class MethodologyOut(MethodologySummary):
    readme: str
    asset_schema: dict[str, Any] | None
    asset_registrar: Literal["resident", "partner"] = Field(
        description="who registers the assets evidence refers to: resident or partner"
    )
    evidence_example: dict[str, Any] | None
    reasons: list[ReasonOut] = Field(description="every reason code the methodology and the service may give")
    parameters: list[ParameterOut]
    parameter_versions: list[ParamVersionOut]


class QuantifyIn(Strict):
    evidence: dict[str, Any]
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
    accepted: bool
    reasons: list[str]


class QuantifyOut(BaseModel):
    methodology: str
    code_version: str
    params_version: int
    params_hash: str
    verdict: VerdictOut
    grams: int = Field(description="grams CO2e that would be credited (0 when rejected)")
    coins: int
    breakdown: dict[str, Any]


class PublishIn(Strict):
    overrides: dict[str, Any] = Field(min_length=1, max_length=50)
    reason: str = Field(min_length=3, max_length=500)
    effective_from: AwareDatetime
