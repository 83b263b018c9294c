"""The outermost layer of every HTTP request: its start time, its id in the log context, its span.

It wraps the app's whole ASGI handler (as Litestar's own OpenTelemetry plugin does), so requests that
match no route are timed, logged with their id and traced like the rest.
"""

from __future__ import annotations

import time
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from service.http.request_id import request_id_of
from service.observability.context import STARTED_KEY, bound


def observe_requests(handler: ASGIApp) -> ASGIApp:
    async def observed(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await handler(scope, receive, send)
            return
        scope[STARTED_KEY] = time.perf_counter()  # type: ignore[typeddict-unknown-key]
        request_id = request_id_of(scope)
        with bound(request_id):
            tracing = _tracing(scope)
            if tracing is None:
                await handler(scope, receive, send)
            else:
                await _traced(tracing, handler, scope, receive, send, request_id)

    return observed


async def _traced(
    tracing: Any, handler: ASGIApp, scope: Scope, receive: Receive, send: Send, request_id: str
) -> None:
    status: int | None = None

    async def send_and_note(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        await send(message)

    with tracing.request_span(scope) as span:
        try:
            await handler(scope, receive, send_and_note)
        finally:
            tracing.finish_request_span(span, scope, status, request_id)


def _tracing(scope: Scope) -> Any:
    services = getattr(scope["app"].state, "services", None)
    return services.extras.get("tracing") if services is not None else None
