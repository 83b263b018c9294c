"""Bodies of the action and asset routes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AssetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=2, max_length=32, examples=["pv_system"])
    ref: str = Field(
        min_length=1, max_length=64, description="the id partners use for it (e.g. the PV system id)"
    )
    attributes: dict[str, Any]


class AssetOut(BaseModel):
    id: int
    kind: str
    ref: str
    attributes: dict[str, Any]
    created_at: dt.datetime


class ReasonText(BaseModel):
    code: str
    zh: str
    en: str


class ExplanationOut(BaseModel):
    action_id: int
    methodology: str
    title: str = Field(description="the methodology's title, English (中文)")
    family: str = Field(description="the plan's family the action counted in")
    family_zh: str
    family_en: str
    code_version: str
    params_version: int
    occurred_at: dt.datetime
    status: str
    reasons: list[str]
    reasons_explained: list[ReasonText] = Field(description="each reason code's meaning, 中文 and English")
    grams: int
    coins: int
    remainder_grams: int
    breakdown: dict[str, Any]
    context: dict[str, Any]
    recomputed: dict[str, Any]
    matches: bool
    differences: list[str]
