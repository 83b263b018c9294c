"""Each webhook-id is good for one signed request, on every signed route.

The Standard Webhooks signature covers the id, the timestamp and the body, not the method, path or query.
So the id is claimed, in the request's own transaction, together with the request's fingerprint: the
same request again (a partner's retry) gets the stored answer; any other request with that id is refused
(409 ``webhook_id_reused``): a captured signed GET cannot read another resource, a captured POST cannot be
sent elsewhere, and a reused id with a different body is not answered as if it were the first. A signed
GET is valid once: its answer is not stored, and it is cheap to sign again. On PostgreSQL a concurrent
second use waits on the id's row and then sees the first one's answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.sql import insert_ignoring_conflict
from service.errors import Conflict
from service.partners.models import WebhookDelivery

UNANSWERED = 0  # a claimed id whose request has not answered yet (only its own transaction sees it)


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """SHA-256 over the request's method, path, query string and body (hex)."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), query, hashlib.sha256(body).digest()):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


@dataclass(frozen=True)
class Claim:
    partner_id: int
    webhook_id: str
    replay: WebhookDelivery | None  # the stored answer to return, when the same request comes again


async def claim(
    session: AsyncSession, partner_id: int, webhook_id: str, method: str, request_print: str, now: dt.datetime
) -> Claim:
    """Claim ``webhook_id`` for this request; Conflict if it was used for another request, or by a GET."""
    stmt = insert_ignoring_conflict(session, WebhookDelivery.__table__, ["partner_id", "webhook_id"])
    inserted = await session.execute(
        stmt.values(
            partner_id=partner_id,
            webhook_id=webhook_id,
            fingerprint=request_print,
            status_code=UNANSWERED,
            response={},
            created_at=now,
        )
    )
    if inserted.rowcount:  # type: ignore[attr-defined]
        return Claim(partner_id, webhook_id, None)
    earlier = await session.get(WebhookDelivery, (partner_id, webhook_id), populate_existing=True)
    assert earlier is not None
    if method.upper() == "GET" or earlier.fingerprint != request_print or earlier.status_code == UNANSWERED:
        raise Conflict(
            "this webhook-id was already used for another request: sign each request with a new id "
            "(a retry of the same request may reuse its id)",
            code="webhook_id_reused",
        )
    return Claim(partner_id, webhook_id, earlier)


async def answer(session: AsyncSession, partner_id: int, webhook_id: str, status: int, body: Any) -> None:
    """Store the answer of a claimed id (inserted as well, for callers that did not claim: the demo)."""
    updated = await session.execute(
        sa.update(WebhookDelivery)
        .where(WebhookDelivery.partner_id == partner_id, WebhookDelivery.webhook_id == webhook_id)
        .values(status_code=status, response=body)
    )
    if not updated.rowcount:  # type: ignore[attr-defined]
        stmt = insert_ignoring_conflict(session, WebhookDelivery.__table__, ["partner_id", "webhook_id"])
        await session.execute(
            stmt.values(
                partner_id=partner_id,
                webhook_id=webhook_id,
                status_code=status,
                response=body,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
