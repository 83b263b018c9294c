"""Bodies of the partner routes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from service.partners.models import EventStatus

MAX_EVENTS = 1000


class Batch(BaseModel):
    """The envelope only; each event is checked on its own so one bad event does not sink the batch."""

    model_config = ConfigDict(extra="forbid")

    events: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_EVENTS,
        description="1 to 1000 events, each an EventIn (id, type, subject, occurred_at, evidence); an "
        "invalid one is acknowledged as invalid without refusing the others",
    )


class EventIn(BaseModel):
    """One event a partner reports: evidence of a resident's low-carbon action."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(
        min_length=1,
        max_length=128,
        description="the partner's id of the event, unique per partner: an id sent again is a duplicate",
    )
    type: str = Field(
        min_length=2,
        max_length=64,
        description="id of the methodology the evidence is for (e.g. bus_trip), one the partner is granted",
    )
    subject: str = Field(min_length=1, max_length=128, description="the partner's reference of its user")
    occurred_at: AwareDatetime = Field(description="when the action happened (ISO 8601 with zone)")
    evidence: dict[str, Any] = Field(
        description="the evidence, as the methodology's evidence_schema describes it; identifiers are sent "
        "as they are (Tanbi hashes them before storing)"
    )


class EventAck(BaseModel):
    """How one event of a batch was taken in (it is credited later: see its status)."""

    id: str | None = Field(description="the event's id; null when the event had no string id")
    status: Literal["accepted", "duplicate", "invalid"] = Field(
        description="accepted: stored and queued for crediting; duplicate: an event with this id was "
        "already received, nothing new is stored; invalid: refused, see errors"
    )
    errors: list[dict[str, str]] | None = Field(
        default=None,
        description="invalid only (absent otherwise): each problem's key (e.g. evidence.distance_m) and "
        "message",
    )


class BatchAck(BaseModel):
    """The answer to a batch: one acknowledgement per event."""

    events: list[EventAck] = Field(description="one acknowledgement per event, in the batch's order")


class EventStatusOut(BaseModel):
    """An event's processing status and, once processed, what it was credited."""

    id: str = Field(description="the partner's id of the event")
    type: str = Field(description="id of the methodology the evidence is for")
    status: EventStatus = Field(
        description="received: waiting to be processed (or retried after a fault); credited: an action was "
        "accepted and its coins credited; rejected: refused, see reasons; unclaimed: the subject is not "
        "bound to a resident (processed again if the user binds it within the unclaimed window); failed: "
        "processing kept failing"
    )
    action_id: int | None = Field(
        description="the action recorded for the event; null until processed, when unclaimed or failed, "
        "and when refused before an action was recorded"
    )
    grams: int | None = Field(
        description="grams CO2e credited (0 when rejected); null whenever action_id is null"
    )
    coins: int | None = Field(description="coins credited; null whenever action_id is null")
    reasons: list[str] = Field(
        description="why it was rejected: the methodology's reason codes, or the service's error code; "
        "empty otherwise"
    )
    received_at: dt.datetime = Field(description="when Tanbi received the event (ISO 8601 timestamp, UTC)")
    processed_at: dt.datetime | None = Field(
        description="when it reached its status (ISO 8601 timestamp, UTC); null while received"
    )


class EventPage(BaseModel):
    """A page of events, in the order they were received."""

    items: list[EventStatusOut] = Field(description="the page's events, oldest first")
    next_cursor: str | None = Field(
        description="opaque cursor: pass it back as `cursor` for the next page; null on the last page"
    )


class LinkTokenIn(BaseModel):
    """The partner's user to issue a link token for."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(
        min_length=1, max_length=128, description="the partner's reference of its user (as in events)"
    )
    district: str | None = Field(
        default=None,
        max_length=32,
        description="code of one of the city's districts, where the partner knows its user to be; the "
        "city's figures count the user's actions there unless the resident's profile names one",
    )


class LinkTokenOut(BaseModel):
    """A single-use token the partner's user redeems in Tanbi to bind their account."""

    token: str = Field(
        description="opaque and single-use: the user redeems it with POST /v1/me/bindings before it expires"
    )
    expires_at: dt.datetime = Field(description="when the token expires (ISO 8601 timestamp, UTC)")


class BindIn(BaseModel):
    """A partner's link token to redeem."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=8, max_length=128, description="the link token the partner gave the user")


class BindingOut(BaseModel):
    """A partner's user bound to the resident: the partner's events about that user credit the resident."""

    id: int = Field(description="the binding's id")
    partner_id: int = Field(description="id of the partner")
    partner_name: str = Field(max_length=100, description="the partner's name, as the city registered it")
    created_at: dt.datetime = Field(description="when the binding was made (ISO 8601 timestamp, UTC)")
    unbound_at: dt.datetime | None = Field(
        description="when the resident unbound it (ISO 8601 timestamp, UTC); null while bound"
    )
    reprocessed: int | None = Field(
        default=None,
        description="on binding only: how many of the user's recent unclaimed events were queued again "
        "for crediting; null in other answers",
    )


class AssetRecordIn(BaseModel):
    """An installer's or grid company's record of an asset its user owns (e.g. a PV system)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    subject: str = Field(min_length=1, max_length=128, description="the partner's reference of the owner")
    attributes: dict[str, Any] = Field(description="the asset as the methodology's asset schema describes it")


class AssetRecordOut(BaseModel):
    """The asset as recorded from the partner's register."""

    kind: str = Field(description="the asset kind (e.g. pv_system)")
    ref: str = Field(description="the asset's id in the partner's register (e.g. the PV system id)")
    attributes: dict[str, Any] = Field(
        description="the attributes as stored, checked against the asset schema"
    )
    owner_bound: bool = Field(
        description="whether the owner has bound the subject yet; the record waits for the binding otherwise"
    )
