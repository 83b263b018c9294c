"""Bodies of the partner routes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

MAX_EVENTS = 1000


class Batch(BaseModel):
    """The envelope only; each event is checked on its own so one bad event does not sink the batch."""

    model_config = ConfigDict(extra="forbid")

    events: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_EVENTS)


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=128)
    type: str = Field(min_length=2, max_length=64)
    subject: str = Field(min_length=1, max_length=128, description="the partner's reference of its user")
    occurred_at: AwareDatetime
    evidence: dict[str, Any]


class EventAck(BaseModel):
    id: str | None
    status: Literal["accepted", "duplicate", "invalid"]
    errors: list[dict[str, str]] | None = None


class BatchAck(BaseModel):
    events: list[EventAck]


class EventStatusOut(BaseModel):
    id: str
    type: str
    status: str
    action_id: int | None
    grams: int | None
    coins: int | None
    reasons: list[str]
    received_at: dt.datetime
    processed_at: dt.datetime | None


class EventPage(BaseModel):
    items: list[EventStatusOut]
    next_cursor: str | None


class LinkTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=128)
    # The district the partner knows its user in (a code of the city's districts), for the city's roll-ups.
    district: str | None = Field(default=None, max_length=32)


class LinkTokenOut(BaseModel):
    token: str
    expires_at: dt.datetime


class BindIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=8, max_length=128)


class BindingOut(BaseModel):
    id: int
    partner_id: int
    created_at: dt.datetime
    unbound_at: dt.datetime | None
    reprocessed: int | None = None


class AssetRecordIn(BaseModel):
    """An installer's or grid company's record of an asset its user owns (e.g. a PV system)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    subject: str = Field(min_length=1, max_length=128, description="the partner's reference of the owner")
    attributes: dict[str, Any] = Field(description="the asset as the methodology's asset schema describes it")


class AssetRecordOut(BaseModel):
    kind: str
    ref: str
    attributes: dict[str, Any]
    owner_bound: bool = Field(
        description="whether the owner has bound the subject yet; the record waits for the binding otherwise"
    )
