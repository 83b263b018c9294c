"""The domain's errors. Services raise these; ``service.http.problems`` maps them to problem+json.

Each error carries a stable machine-readable ``code`` (clients switch on it) and a human ``detail``.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"
    default_code: ClassVar[str] = "bad_request"

    def __init__(self, detail: str, *, code: str | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code
        self.extra = extra or {}


class Invalid(DomainError):
    status = 422
    title = "Invalid request"
    default_code = "invalid"


class Unauthorized(DomainError):
    status = 401
    title = "Not authenticated"
    default_code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"
    default_code = "forbidden"


class NotFound(DomainError):
    status = 404
    title = "Not found"
    default_code = "not_found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    default_code = "conflict"


class IdempotencyConflict(Conflict):
    default_code = "idempotency_conflict"


class InsufficientFunds(Conflict):
    title = "Insufficient funds"
    default_code = "insufficient_funds"


class BadGateway(DomainError):
    status = 502
    title = "Upstream service failed"
    default_code = "bad_gateway"


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"
    default_code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code, extra={"retry_after": retry_after})
        self.retry_after = retry_after


class Unavailable(DomainError):
    status = 503
    title = "Service unavailable"
    default_code = "unavailable"


def validation_errors(exc: Any) -> list[dict[str, str]]:
    """A pydantic ValidationError as the ``errors`` list of a 422 problem: ``[{"key", "message"}]``."""
    return [{"key": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]
