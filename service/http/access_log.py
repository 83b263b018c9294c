"""The access log: one line per HTTP response, with its request id, route, status, duration and caller.

``tanbi serve`` turns uvicorn's own access log off for this one. Its line had no request id, so a 500
in the error log could not be matched to its request line; and its formatter copies and restyles every
record, half of the log's cost (which was about a twentieth of a cached read's CPU). The line is logged
when the response starts, as uvicorn did, from the app-wide ``before_send`` hook (request_id.py),
so 404s, 405s and errors raised before routing are logged too. Logger ``tanbi.access``, level INFO.

The line names the route template, never the raw path (ids) or query string (anything a client put
there), and the caller's kind, never who it is. As text (the embedded default's terminal):

    "GET /v1/me/wallet HTTP/1.1" 200 6f1c0e9b2d0a4c1e8f3b5a7d9c2e4f60 3.1ms resident

As JSON (service/observability/logs.py) the same values are fields: ``request_id``, ``method``,
``route`` (null when no route matched), ``status``, ``duration_ms``, ``caller``.
"""

from __future__ import annotations

import logging

from litestar.types import Scope

from service.observability.context import caller_kind, duration_ms

LOGGER = logging.getLogger("tanbi.access")
NO_ROUTE = "-"  # no route matched (a 404 before routing)


def log_response(scope: Scope, status: int, request_id: str) -> None:
    """Log ``status`` for the request of ``scope`` (method, route template, id, duration, caller kind)."""
    if not LOGGER.isEnabledFor(logging.INFO):
        return
    method = scope.get("method", "-")
    route = scope.get("path_template")  # type: ignore[call-overload]
    took = duration_ms(scope)
    caller = caller_kind(scope)
    fields = {
        "request_id": request_id,
        "method": method,
        "route": route,
        "status": status,
        "duration_ms": None if took is None else round(took, 3),
        "caller": caller,
    }
    LOGGER.info(
        '"%s %s HTTP/%s" %d %s %s %s',
        method,
        route or NO_ROUTE,
        scope.get("http_version", "1.1"),
        status,
        request_id,
        "-" if took is None else f"{took:.1f}ms",
        caller,
        extra={"fields": fields},
    )
