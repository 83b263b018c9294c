"""Typed request and response models."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel


class Event(BaseModel):
    id: str
    type: str
    subject: str
    occurred_at: AwareDatetime
    evidence: dict[str, Any]


class EventAck(BaseModel):
    id: str | None
    status: Literal["accepted", "duplicate", "invalid"]
    errors: list[dict[str, str]] | None = None


class BatchAck(BaseModel):
    events: list[EventAck]


class EventStatus(BaseModel):
    id: str
    type: str
    status: Literal["received", "credited", "rejected", "unclaimed", "failed"]
    action_id: int | None
    grams: int | None
    coins: int | None
    reasons: list[str]
    received_at: dt.datetime
    processed_at: dt.datetime | None


class EventPage(BaseModel):
    items: list[EventStatus]
    next_cursor: str | None


class LinkToken(BaseModel):
    token: str
    expires_at: dt.datetime
