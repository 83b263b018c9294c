"""Unknown query parameters are refused (422 ``unknown_query_parameter``), not silently ignored.

A city analyst who adds ``&methodology=x`` to a reductions query must not get unfiltered numbers back as if
they were filtered. What a route takes is read from its handler's own signature (the same declarations the
OpenAPI document is written from), once per handler.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.params import ParameterKwarg

from service.errors import Invalid

# Names Litestar fills itself, never from the query string.
RESERVED = {"request", "socket", "headers", "query", "cookies", "state", "scope", "body", "data"}
PATH_PARAMETER = re.compile(r"{(\w+)(?::[^}]*)?}")
# Kept in the handler's own options: a cache keyed by id(handler) outlived its app, and a later app's
# handler at the same address was refused with another route's parameters.
ALLOWED = "tanbi_allowed_query"


async def refuse_unknown_query(request: Request[Any, Any, Any]) -> None:
    """Before the handler: every query parameter must be one the route declares."""
    if not request.query_params:
        return
    allowed = allowed_query(request.route_handler)
    if allowed is None:
        return
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        known = ", ".join(sorted(allowed)) or "none"
        raise Invalid(
            f"unknown query parameter(s): {', '.join(unknown)} (this route takes: {known})",
            code="unknown_query_parameter",
            extra={"unknown": unknown, "accepted": sorted(allowed)},
        )


def allowed_query(handler: Any) -> frozenset[str] | None:
    """The query names ``handler`` declares; None for routes outside the API (static files, pages)."""
    if ALLOWED not in handler.opt:
        handler.opt[ALLOWED] = _declared(handler) if handler.resolve_include_in_schema() else None
    return handler.opt[ALLOWED]  # type: ignore[no-any-return]


def _declared(handler: Any) -> frozenset[str]:
    skip = (
        RESERVED
        | set(handler.resolve_dependencies())
        | {name for path in handler.paths for name in PATH_PARAMETER.findall(path)}
    )
    names = set()
    for name, parameter in handler.parsed_fn_signature.parameters.items():
        if name in skip:
            continue
        kwarg = parameter.kwarg_definition
        if isinstance(kwarg, ParameterKwarg):
            if kwarg.header or kwarg.cookie:
                continue
            names.add(kwarg.query or kwarg.name or name)
        else:
            names.add(name)
    return frozenset(names)
