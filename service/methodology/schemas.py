"""Bodies of the methodology routes."""

from __future__ import annotations

import datetime as dt
from typing import Any

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
    effective_from: dt.datetime
    reason: str
    overrides: dict[str, Any]
    params_hash: str
    created_by: str
    created_at: dt.datetime


class MethodologySummary(BaseModel):
    id: str
    title: str
    source: str
    version: str = Field(description="current code version")
    versions: list[str] = Field(description="every loadable code version (old ones replay old actions)")
    params_version: int = Field(description="parameter version in effect now")


class MethodologyOut(MethodologySummary):
    readme: str
    evidence_schema: dict[str, Any]
    asset_schema: dict[str, Any] | None
    parameters: list[ParameterOut]
    parameter_versions: list[ParamVersionOut]


class QuantifyIn(Strict):
    evidence: dict[str, Any]
    asset: dict[str, Any] | None = Field(
        default=None, description="the registered asset, for methodologies with one"
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
