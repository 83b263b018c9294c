"""Accepting a signed batch: every valid event is stored as ``received`` before the 202 is sent.

The response for a webhook-id is stored with the events in the same transaction, so a replayed delivery
gets the very same answer and nothing is stored twice. Processing is enqueued only after the commit; if
the queue is down the events wait in the database for the sweeper.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.base import table
from service.db.dialect import dialect_for
from service.errors import Forbidden, Invalid, validation_errors
from service.identity.service import keyed_hash
from service.jobs.queue import defer
from service.methodology.identifiers import PreHashed, hash_identifiers
from service.methodology.registry import Registry
from service.partners.deliveries import answer
from service.partners.models import EventStatus, Partner, PartnerEvent, PartnerEventKey
from service.partners.repository import PartnerRepository
from service.partners.schemas import Batch, EventAck, EventIn

PROCESS_JOB = "process_partner_events"


def subject_hash(hash_key: bytes, partner_id: int, subject: str) -> str:
    return keyed_hash(hash_key, f"{partner_id}:{subject}")


class Ingest:
    def __init__(self, session: AsyncSession, registry: Registry, hash_key: bytes, batch_size: int) -> None:
        self.session = session
        self.repo = PartnerRepository(session)
        self.registry = registry
        self.hash_key = hash_key
        self.batch_size = batch_size

    async def accept(
        self,
        partner: Partner,
        webhook_id: str,
        payload: Any,
        now: dt.datetime,
        *,
        status_code: int = 202,
        wrap: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Store the batch's valid events; returns the answer (also stored for replays of ``webhook_id``).

        ``wrap`` reshapes the answer for other protocols (OCPI's envelope) before it is stored.
        """
        try:
            batch = Batch.model_validate(payload)
        except ValidationError as exc:
            raise Invalid(
                'the body must be {"events": [1 to 1000 events]}',
                code="validation_error",
                extra={"errors": validation_errors(exc)},
            ) from exc
        self._check_granted(partner, batch.events)
        acks, rows = await self._sort(partner, batch.events, now)
        inserted = await self._insert(rows)
        for ack in acks:
            if ack.status == "accepted" and ack.id not in inserted:
                ack.status = "duplicate"  # a concurrent batch stored it first
        body = {"events": [ack.model_dump(exclude_none=True) for ack in acks]}
        body = wrap(body) if wrap else body
        await answer(self.session, partner.id, webhook_id, status_code, body)
        ids = list(inserted.values())
        for start in range(0, len(ids), self.batch_size):
            defer(self.session, PROCESS_JOB, event_ids=ids[start : start + self.batch_size])
        return body

    def _check_granted(self, partner: Partner, events: list[dict[str, Any]]) -> None:
        known = set(self.registry.ids())
        types = {e.get("type") for e in events if isinstance(e.get("type"), str)}  # others: invalid events
        refused = sorted((types & known) - set(partner.methodologies))
        if refused:
            raise Forbidden(
                f"partner {partner.id} may not report {', '.join(map(str, refused))}",
                code="methodology_not_granted",
            )

    async def _sort(
        self, partner: Partner, raw_events: list[dict[str, Any]], now: dt.datetime
    ) -> tuple[list[EventAck], list[dict[str, Any]]]:
        ids = [str(e.get("id")) for e in raw_events if isinstance(e.get("id"), str)]
        known = await self.repo.known_event_ids(partner.id, ids)
        seen: set[str] = set()
        acks, rows = [], []
        for raw in raw_events:
            ack, row = self._check_event(partner, raw, known | seen, now)
            acks.append(ack)
            if row is not None:
                rows.append(row)
                seen.add(row["event_id"])
        return acks, rows

    def _check_event(
        self, partner: Partner, raw: dict[str, Any], taken: set[str], now: dt.datetime
    ) -> tuple[EventAck, dict[str, Any] | None]:
        raw_id = raw.get("id") if isinstance(raw.get("id"), str) else None
        try:
            event = EventIn.model_validate(raw)
        except ValidationError as exc:
            return EventAck(id=raw_id, status="invalid", errors=validation_errors(exc)), None
        if event.id in taken:
            return EventAck(id=event.id, status="duplicate"), None
        if event.type not in self.registry.ids():
            error = {"key": "type", "message": f"unknown methodology {event.type!r}"}
            return EventAck(id=event.id, status="invalid", errors=[error]), None
        methodology = self.registry.current(event.type)
        try:
            evidence = methodology.Evidence.model_validate(event.evidence)
        except ValidationError as exc:
            errors = [{**e, "key": f"evidence.{e['key']}"} for e in validation_errors(exc)]
            return EventAck(id=event.id, status="invalid", errors=errors), None
        try:
            stored = hash_identifiers(methodology, evidence.model_dump(mode="json"), self.hash_key)
        except PreHashed as exc:
            error = {"key": f"evidence.{exc}", "message": "send the identifier itself: Tanbi hashes it"}
            return EventAck(id=event.id, status="invalid", errors=[error]), None
        row = {
            "partner_id": partner.id,
            "event_id": event.id,
            "type": event.type,
            "subject_hash": subject_hash(self.hash_key, partner.id, event.subject),
            "occurred_at": event.occurred_at,
            "evidence": stored,
            "status": EventStatus.RECEIVED,
            "reasons": [],
            "attempts": 0,
            "received_at": now,
        }
        return EventAck(id=event.id, status="accepted"), row

    async def _insert(self, rows: list[dict[str, Any]]) -> dict[str, int]:
        """Insert, skipping ids a concurrent batch stored first; returns event_id -> row id of ours.

        The event id is claimed in partner_event_keys first (unique across every month of partitioned
        partner_events): on a key another batch holds, committed or not, our event is skipped.
        """
        inserted = await dialect_for(self.session).insert_claimed(
            table(PartnerEvent), rows, keys=table(PartnerEventKey), key_columns=("partner_id", "event_id")
        )
        return {event_id: row_id for (_, event_id), row_id in inserted.items()}
