"""A complete ``Allow`` header on OPTIONS answers.

Litestar gives each path one automatic OPTIONS handler, created with the first controller that serves the
path; when a second controller adds methods to the same path (GET /v1/me beside PATCH and DELETE), the
handler keeps listing only the first one's. This hook answers with every method the path serves.
"""

from __future__ import annotations

from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope


async def complete_allow(message: Message, scope: Scope) -> None:
    """``before_send`` hook: on an OPTIONS answer, Allow names every method of the route's path."""
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    methods = _methods(scope["app"]).get(scope.get("path_template", ""))  # type: ignore[call-overload]
    headers = MutableScopeHeaders.from_message(message)
    if methods and "allow" in headers:
        headers["allow"] = ", ".join(sorted(methods))


def _methods(app: Any) -> dict[str, set[str]]:
    cached: dict[str, set[str]] | None = getattr(app.state, "allow_methods", None)
    if cached is None:
        cached = {}
        for route in app.routes:
            for handler in getattr(route, "route_handlers", ()):
                for path in {route.path, route.path_format}:  # the template comes either way
                    cached.setdefault(path, set()).update(handler.http_methods)
        app.state.allow_methods = cached
    return cached
