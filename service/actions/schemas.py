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


class ExplanationOut(BaseModel):
    action_id: int
    methodology: str
    code_version: str
    params_version: int
    status: str
    reasons: list[str]
    grams: int
    coins: int
    remainder_grams: int
    breakdown: dict[str, Any]
    context: dict[str, Any]
    recomputed: dict[str, Any]
    matches: bool
    differences: list[str]
