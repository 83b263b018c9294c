"""OCPI 2.2.1 CDRs from charge-point operators, mapped onto ``ev_charging`` partner events.

A CDR is idempotent on (country_code, party_id, id): that triple is the partner event id, and the answer
is stored under it like a webhook delivery. ``cdr_token.uid`` is the subject. Max power comes from the
charging periods' MAX_POWER dimension when present, else from the connector's power type (single-phase AC
230 V x 32 A = 7.36 kW, three-phase 22 kW, DC 350 kW: generous bounds, as the plausibility check needs a
ceiling, not a yield). A credit CDR (``credit: true``) reverses the credit of the CDR it references.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.counting import take_back
from service.actions.models import Action
from service.city.rollups import RollupLog
from service.errors import Conflict, Invalid, NotFound
from service.ledger.service import Ledger
from service.partners.models import EventStatus, Partner
from service.partners.repository import PartnerRepository
from service.settings import Settings

CONNECTOR_MAX_KW = {
    "AC_1_PHASE": Decimal("7.36"),
    "AC_2_PHASE": Decimal("14.72"),
    "AC_2_PHASE_SPLIT": Decimal("14.72"),
    "AC_3_PHASE": Decimal("22"),
    "DC": Decimal("350"),
}


class _Lenient(BaseModel):
    """The parts of an OCPI object Tanbi reads, checked; the rest of the object is accepted and ignored."""

    model_config = ConfigDict(extra="ignore")


class Dimension(_Lenient):
    type: str = Field(
        max_length=32, description="OCPI CdrDimensionType: ENERGY (kWh), MAX_POWER (kW), TIME, ..."
    )
    volume: Decimal = Field(
        ge=0, le=1_000_000, allow_inf_nan=False, description="the dimension's value in its OCPI unit"
    )


class ChargingPeriod(_Lenient):
    dimensions: list[Dimension] = Field(
        default_factory=list, max_length=64, description="what was measured in the period (MAX_POWER is read)"
    )


class CdrToken(_Lenient):
    uid: str = Field(
        min_length=1,
        max_length=36,
        description="the charging token's uid: the subject a resident bound (hashed)",
    )


class CdrLocation(_Lenient):
    evse_id: str = Field(
        min_length=1, max_length=48, description="the EVSE (charge point) id: one car per EVSE at a time"
    )
    connector_power_type: str | None = Field(
        default=None,
        max_length=32,
        description="AC_1_PHASE, AC_2_PHASE, AC_2_PHASE_SPLIT, AC_3_PHASE or DC: bounds the plausible power",
    )


class CdrKey(_Lenient):
    """What identifies a CDR (OCPI 2.2.1: CiString(2), CiString(3), CiString(39))."""

    country_code: str = Field(min_length=2, max_length=2, description="the CPO's ISO 3166 country code")
    party_id: str = Field(min_length=3, max_length=3, description="the CPO's OCPI party id")
    id: str = Field(min_length=1, max_length=39, description="the CDR's id, unique for the CPO")


class Cdr(CdrKey):
    start_date_time: dt.datetime = Field(description="when the session started (RFC 3339)")
    end_date_time: dt.datetime = Field(description="when the session ended (RFC 3339)")
    total_energy: Decimal = Field(allow_inf_nan=False, description="kWh delivered in the session")
    cdr_token: CdrToken = Field(description="the token that authorised the session")
    cdr_location: CdrLocation = Field(description="where the car charged")
    credit: bool = Field(default=False, description="true for a credit CDR: it reverses the referenced CDR")
    credit_reference_id: str | None = Field(
        default=None, max_length=39, description="a credit CDR's reference: the id of the CDR it reverses"
    )
    charging_periods: list[ChargingPeriod] = Field(
        default_factory=list,
        max_length=1000,
        description="the session's periods; their MAX_POWER bounds the rate",
    )


def checked(model: type[BaseModel], cdr: dict[str, Any]) -> Any:
    """``cdr`` as ``model``; Invalid (422 invalid_cdr) naming the fields that are missing or wrong."""
    try:
        return model.model_validate(cdr)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        raise Invalid(f"the CDR is not valid: {', '.join(fields[:10])}", code="invalid_cdr") from exc


def event_id_of(cdr: dict[str, Any], cdr_id: str | None = None) -> str:
    key = checked(CdrKey, cdr if cdr_id is None else {**cdr, "id": cdr_id})
    return f"{key.country_code}*{key.party_id}*{key.id}"


def to_event(raw: dict[str, Any], vehicle_kind: str | None = None) -> dict[str, Any]:
    """The partner event for a (non-credit) CDR; Invalid if a field it needs is missing or wrong.

    ``vehicle_kind`` is the operator's statement about its users' cars (``Partner.ocpi_vehicle_kind``):
    a CDR does not say, and ev_charging 2.x credits only a stated private car.
    """
    cdr: Cdr = checked(Cdr, raw)
    evidence = {
        "session_id": cdr.id,
        "started_at": raw["start_date_time"],
        "ended_at": raw["end_date_time"],
        "energy_kwh": str(cdr.total_energy),
        "max_power_kw": str(_max_power(cdr)),
        "evse_id": cdr.cdr_location.evse_id,
    }
    if vehicle_kind is not None:
        evidence["vehicle_kind"] = vehicle_kind
    return {
        "id": event_id_of(raw),
        "type": "ev_charging",
        "subject": cdr.cdr_token.uid,
        "occurred_at": raw["start_date_time"],
        "evidence": evidence,
    }


def _max_power(cdr: Cdr) -> Decimal:
    measured = [d.volume for p in cdr.charging_periods for d in p.dimensions if d.type == "MAX_POWER"]
    if measured:
        return max(measured)
    return CONNECTOR_MAX_KW.get(cdr.cdr_location.connector_power_type or "", Decimal("350"))


async def reverse_credit_cdr(
    session: AsyncSession, settings: Settings, partner: Partner, cdr: dict[str, Any]
) -> int:
    """Reverse the credit of the CDR that ``cdr`` (a credit CDR) references; returns the reversal id."""
    reference = cdr.get("credit_reference_id")
    if not reference:
        raise Invalid("a credit CDR needs credit_reference_id", code="invalid_cdr")
    original = await PartnerRepository(session).event(partner.id, event_id_of(cdr, reference))
    if original is None:
        raise NotFound(f"no CDR {reference!r} to credit", code="event_not_found")
    if original.status == EventStatus.RECEIVED:
        raise Conflict(
            "the referenced CDR is not processed yet; send the credit CDR again later", code="not_processed"
        )
    action = await session.get(Action, original.action_id) if original.action_id else None
    if action is None or action.transfer_id is None:
        raise Conflict("the referenced CDR credited nothing to reverse", code="nothing_to_reverse")
    ledger = Ledger(session, settings.ledger, settings.zone)
    reversal = await ledger.reverse(action.transfer_id, reference=f"ocpi credit CDR {cdr.get('id')}")
    await take_back(session, RollupLog(), settings.zone, action, reversal.created_at)
    return reversal.id


def envelope(
    data: Any = None, *, status_code: int = 1000, message: str = "Success", **extra: Any
) -> dict[str, Any]:
    return {
        "status_code": status_code,
        "status_message": message,
        "timestamp": dt.datetime.now(dt.UTC).isoformat(),
        "data": data,
        **extra,
    }
