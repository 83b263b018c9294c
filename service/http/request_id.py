"""A request id on every request and response (``x-request-id``), so a 500 can be found in the logs.

The middleware gives the id to the request early (handlers and the error mapper log it). Litestar runs
route middleware only for matched routes, so the header itself is added by an app-wide ``before_send``
hook: 404s, 405s and errors raised before routing carry an id too.
"""

from __future__ import annotations

import random
import re

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from service.http.access_log import log_response

HEADER = "x-request-id"
SCOPE_KEY = "tanbi_request_id"
ACCEPTED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_HEADER = HEADER.encode()


def new_request_id() -> str:
    """32 hex digits, like a uuid4's. A request id finds log lines; it guards nothing, so it need not come
    from the OS's random source: uuid4() read it for every request (a system call), a tenth of the CPU a
    no-op request costs. Python's generator is seeded from that source once per process (and again in a
    forked child)."""
    return f"{random.getrandbits(128):032x}"


def request_id_of(scope: Scope) -> str:
    """The request's id: the caller's ``x-request-id`` when well-formed, else a new one; fixed once chosen."""
    existing = scope.get(SCOPE_KEY)
    if isinstance(existing, str):
        return existing
    raw = next((value for name, value in scope.get("headers") or () if name == _HEADER), b"")
    incoming = raw.decode("latin-1")
    request_id = incoming if ACCEPTED.match(incoming) else new_request_id()
    scope[SCOPE_KEY] = request_id  # type: ignore[literal-required]
    return request_id


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request_id_of(scope)
        await app(scope, receive, send)

    return middleware


async def add_request_id_header(message: Message, scope: Scope) -> None:
    """``before_send`` hook: stamp the id on every HTTP response and log its line (access_log.py)."""
    if message["type"] == "http.response.start":
        request_id = request_id_of(scope)
        MutableScopeHeaders.from_message(message)[HEADER] = request_id
        log_response(scope, message["status"], request_id)
