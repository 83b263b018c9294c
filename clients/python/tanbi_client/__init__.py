"""Tanbi partner SDK: send signed event batches, create link tokens, read statuses, sign webhooks."""

from tanbi_client.client import AsyncClient, Client
from tanbi_client.errors import (
    BadSignature,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    StaleTimestamp,
    TanbiError,
    ValidationFailed,
    WebhookIdReused,
)
from tanbi_client.models import BatchAck, Event, EventAck, EventPage, EventStatus, LinkToken
from tanbi_client.webhooks import WebhookVerificationError, sign_webhook, verify_webhook

__all__ = [
    "AsyncClient",
    "BadSignature",
    "BatchAck",
    "Client",
    "Conflict",
    "Event",
    "EventAck",
    "EventPage",
    "EventStatus",
    "Forbidden",
    "LinkToken",
    "NotFound",
    "PayloadTooLarge",
    "StaleTimestamp",
    "TanbiError",
    "ValidationFailed",
    "WebhookIdReused",
    "WebhookVerificationError",
    "sign_webhook",
    "verify_webhook",
]
