"""The access log: one line per HTTP response, with the request's id.

``tanbi serve`` turns uvicorn's own access log off for this one. Its line had no request id, so a 500
in the error log could not be matched to its request line; and its formatter copies and restyles every
record, half of the log's cost (which was about a twentieth of a cached read's CPU). The line is logged
when the response starts, as uvicorn did, from the app-wide ``before_send`` hook (request_id.py),
so 404s, 405s and errors raised before routing are logged too. Logger ``tanbi.access``, level INFO:

    127.0.0.1:50312 - "GET /v1/me/wallet HTTP/1.1" 200 6f1c0e9b2d0a4c1e8f3b5a7d9c2e4f60
"""

from __future__ import annotations

import logging

from litestar.types import Scope

LOGGER = logging.getLogger("tanbi.access")


def log_response(scope: Scope, status: int, request_id: str) -> None:
    """Log ``status`` for the request of ``scope`` (client, method, path and query, HTTP version, id)."""
    if not LOGGER.isEnabledFor(logging.INFO):
        return
    client = scope.get("client")
    query = scope.get("query_string", b"")
    path = scope["path"] + ("?" + query.decode("latin-1") if query else "")
    LOGGER.info(
        '%s - "%s %s HTTP/%s" %d %s',
        f"{client[0]}:{client[1]}" if client else "-",
        scope.get("method", "-"),
        path,
        scope.get("http_version", "1.1"),
        status,
        request_id,
    )
