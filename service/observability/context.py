"""What the current log line is about: the request id and the job, as context variables.

Context variables follow a request through its awaits and into tasks it creates, so any logger can add
the id without being handed it; a job sets them from the origin its request sent along (origin.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from litestar.types import Scope

REQUEST_ID: ContextVar[str | None] = ContextVar("tanbi_request_id", default=None)
JOB: ContextVar[str | None] = ContextVar("tanbi_job", default=None)

CALLER_KEY = "tanbi_caller"
PRINCIPAL_KEY = "tanbi_principal"  # set by service.identity.guards once a token is verified
ANONYMOUS = "anonymous"
STARTED_KEY = "tanbi_started"  # perf_counter() when the request came in (requests.py)


@contextmanager
def bound(request_id: str | None, job: str | None = None) -> Iterator[None]:
    """Log lines inside carry ``request_id`` (and ``job``)."""
    request_token = REQUEST_ID.set(request_id)
    job_token = JOB.set(job)
    try:
        yield
    finally:
        JOB.reset(job_token)
        REQUEST_ID.reset(request_token)


def mark_caller(scope: Scope, kind: str) -> None:
    """Record the kind of caller a route verified by other means than a bearer token (a partner's
    signature or OCPI token): the access line names it."""
    scope[CALLER_KEY] = kind  # type: ignore[literal-required]


def caller_kind(scope: Scope) -> str:
    """The verified caller's role (resident, merchant, partner, city, auditor, verifier) or anonymous;
    never its subject."""
    principal = scope.get(PRINCIPAL_KEY)  # type: ignore[call-overload]
    if principal is not None:
        return str(principal.role.value)
    return str(scope.get(CALLER_KEY) or ANONYMOUS)  # type: ignore[call-overload]


def duration_ms(scope: Scope) -> float | None:
    """Milliseconds since the request came in, or None if it did not come through ``observe_requests``."""
    started = scope.get(STARTED_KEY)  # type: ignore[call-overload]
    return None if started is None else (time.perf_counter() - started) * 1000
