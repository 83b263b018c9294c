"""Hostile requests on every route answer 4xx, never 5xx (issue 13): hypothesis draws a route, then
path values, query parameters, headers (real tokens of every role among garbage ones, webhook headers,
content types) and bodies (bytes, deep or huge JSON, wrong types) no client would send."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.identity.principal import Role

ROLES = [Role.RESIDENT, Role.MERCHANT, Role.CITY, Role.AUDITOR, Role.PARTNER]
ODD_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "9" * 40, "1e999", "null", "../..", "%00", "²", "\u202e", "a" * 300]),
)
JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=False),
        ODD_TEXT,
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(ODD_TEXT, inner, max_size=4)),
    max_leaves=20,
)


def _routes(app: Any) -> list[tuple[str, str]]:
    found = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            for method in handler.http_methods:
                if method != "OPTIONS":
                    found.add((method, route.path_format))
    return sorted(found)


def _fill(template: str, values: list[str]) -> str:
    parts = iter(values)
    return re.sub(r"\{[^}]+\}", lambda _m: next(parts, "1"), template)


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["json", "bytes", "deep", "big", "none"]))
    if kind == "json":
        return json.dumps(draw(JSON_VALUES)).encode()
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "deep":
        depth = draw(st.integers(min_value=1, max_value=50_000))
        return b"[" * depth + b"]" * draw(st.sampled_from([0, depth]))
    if kind == "big":
        return b'{"amount": ' + b"9" * draw(st.integers(min_value=20, max_value=5000)) + b"}"
    return b""


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_no_hostile_request_gets_a_5xx(app, client: httpx.AsyncClient, bearer, data) -> None:  # type: ignore[no-untyped-def]
    method, template = data.draw(st.sampled_from(_routes(app)), label="route")
    path = _fill(
        template, data.draw(st.lists(ODD_TEXT.map(_path_safe), min_size=4, max_size=4), label="path")
    )
    token = data.draw(st.one_of(st.none(), st.sampled_from(ROLES), ODD_TEXT), label="credentials")
    headers: dict[str, Any] = {}
    if isinstance(token, Role):
        headers |= bearer(token, data.draw(st.sampled_from(["1", "2", "999999999999"])))
    elif token is not None:
        headers["Authorization"] = _header_safe(data.draw(st.sampled_from(["Bearer ", "Token ", ""])) + token)
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "accept"):
        if data.draw(st.booleans(), label=name):
            headers[name] = _header_safe(data.draw(ODD_TEXT, label=f"{name} value"))
    query = data.draw(st.dictionaries(st.sampled_from(_QUERY_NAMES), ODD_TEXT, max_size=3), label="query")
    body = data.draw(bodies(), label="body") if method in ("POST", "PUT", "PATCH") else b""
    response = await client.request(method, path, params=query, headers=headers, content=body)
    assert response.status_code < 500, (method, path, query, headers, body[:200], response.text)


_QUERY_NAMES = [
    "from",
    "to",
    "group_by",
    "cursor",
    "limit",
    "status",
    "type",
    "since",
    "until",
    "x",
    "methodology",
]


def _path_safe(text: str) -> str:
    """Any text as one path segment, percent-encoded as a client must (the server sees it decoded)."""
    return quote(text, safe="") or "_"


def _header_safe(text: str) -> bytes:
    """Header values travel as latin-1 bytes without line breaks; anything else is the client's own error."""
    return "".join(c for c in text if 32 <= ord(c) < 256).encode("latin-1")
