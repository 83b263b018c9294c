"""Typed errors: every problem+json the API answers becomes one of these, with its code and detail."""

from __future__ import annotations

from typing import Any


class TanbiError(Exception):
    def __init__(self, status: int, code: str, detail: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status, self.code, self.detail, self.body = status, code, detail, body or {}


class BadSignature(TanbiError): ...


class StaleTimestamp(TanbiError): ...


class Forbidden(TanbiError): ...


class NotFound(TanbiError): ...


class Conflict(TanbiError): ...


class WebhookIdReused(Conflict):
    """The webhook-id was already used for another request (or by a GET, which is valid once): sign each
    request with a new id; only a retry of the very same request may reuse its id."""


class ValidationFailed(TanbiError): ...


class PayloadTooLarge(TanbiError): ...


BY_CODE = {
    "bad_signature": BadSignature,
    "stale_timestamp": StaleTimestamp,
    "webhook_id_reused": WebhookIdReused,
}
BY_STATUS = {
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    400: ValidationFailed,
    422: ValidationFailed,
    413: PayloadTooLarge,
}


def error_for(status: int, body: dict[str, Any]) -> TanbiError:
    code = str(body.get("code", "http_error"))
    kind = BY_CODE.get(code) or BY_STATUS.get(status) or TanbiError
    return kind(status, code, str(body.get("detail", "")), body)
