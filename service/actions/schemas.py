"""Bodies of the action and asset routes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.actions.models import ActionStatus
from service.methodology.schemas import FamilyId


class AssetIn(BaseModel):
    """An asset the resident registers (e.g. a rooftop PV system), for evidence that refers to it."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(
        min_length=2,
        max_length=32,
        examples=["pv_system"],
        description="the asset kind, as a methodology's asset_kind names it (e.g. pv_system)",
    )
    ref: str = Field(
        min_length=1, max_length=64, description="the id partners use for it (e.g. the PV system id)"
    )
    attributes: dict[str, Any] = Field(
        description="the asset as the methodology's asset_schema (GET /v1/methodologies/{id}) describes it"
    )


class AssetOut(BaseModel):
    """A registered asset."""

    id: int = Field(description="the asset's id")
    kind: str = Field(description="the asset kind (e.g. pv_system)")
    ref: str = Field(description="the id partners use for it (e.g. the PV system id)")
    attributes: dict[str, Any] = Field(
        description="the attributes as stored, checked against the methodology's asset_schema"
    )
    created_at: dt.datetime = Field(
        description="when the asset was first registered (ISO 8601 timestamp, UTC)"
    )


class ReasonText(BaseModel):
    """A reason code and its meaning."""

    code: str = Field(description="the reason code, as listed in reasons")
    zh: str = Field(description="its meaning in Chinese (the code itself when it has none)")
    en: str = Field(description="its meaning in English (the code itself when it has none)")


class RecomputedOut(BaseModel):
    """The action recomputed now with the code version, parameter version and facts it stored."""

    status: ActionStatus = Field(description="the status the recomputation gives")
    reasons: list[str] = Field(description="the reason codes the recomputation gives (empty when accepted)")
    grams: int = Field(description="grams CO2e the recomputation would credit (after caps)")
    breakdown: dict[str, Any] = Field(description="the recomputation's breakdown, shaped as the stored one")


class ExplanationOut(BaseModel):
    """A stored action, how it was quantified, and whether recomputing it gives the same result."""

    action_id: int = Field(description="the action's id")
    methodology: str = Field(description="id of the methodology the action was quantified with")
    title: str = Field(description="the methodology's title, English (中文)")
    family: FamilyId = Field(description="the plan's family the action counted in")
    family_zh: str = Field(description="the family's name in Chinese")
    family_en: str = Field(description="the family's name in English")
    code_version: str = Field(description="the methodology code version the action was quantified with")
    params_version: int = Field(description="the parameter version the action was quantified with")
    occurred_at: dt.datetime = Field(description="when the action happened (ISO 8601 timestamp, UTC)")
    status: ActionStatus = Field(description="accepted: credited; rejected: not credited (see reasons)")
    reasons: list[str] = Field(
        description="why the action was rejected: the codes of the checks it failed; empty when accepted"
    )
    reasons_explained: list[ReasonText] = Field(description="each reason code's meaning, 中文 and English")
    grams: int = Field(description="grams CO2e credited, after caps (0 when rejected)")
    coins: int = Field(description="coins credited for those grams")
    remainder_grams: int = Field(description="grams left over below one coin (not credited as coins)")
    breakdown: dict[str, Any] = Field(
        description="how the grams were worked out: the methodology's formula, inputs and factors, the "
        "caps applied and the credited grams"
    )
    context: dict[str, Any] = Field(
        description="the facts the checks were made with (time of checking, asset, previous reading, "
        "overlaps...), stored so that a recomputation uses the same ones"
    )
    recomputed: RecomputedOut = Field(
        description="the action recomputed now with its stored code version, parameters and facts"
    )
    matches: bool = Field(description="whether the recomputation gives the stored result")
    differences: list[str] = Field(
        description="what differs between the stored and the recomputed result, one line each, for a "
        "person; empty when matches is true"
    )
