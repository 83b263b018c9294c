"""``x-request-id`` on every response, whatever produced it; a well-formed incoming id is echoed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from service.identity.principal import Role

# One request per way a response can come about: a handler, routing, size limits, parsing, guards.
REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/healthz", {}),
    ("GET", "/readyz", {}),
    ("GET", "/schema/openapi.json", {}),
    ("GET", "/no-such-route", {}),
    ("DELETE", "/healthz", {}),
    ("POST", "/v1/auth/dev", {"json": {"phone": "13800138000"}}),
    ("POST", "/v1/auth/dev", {"content": b"{", "headers": {"content-type": "application/json"}}),
    ("POST", "/v1/auth/dev", {"json": {"phone": 1}}),
    ("POST", "/v1/auth/dev", {"content": b"x" * (1024 * 1024 + 1)}),
    ("GET", "/v1/me", {}),
    ("GET", "/v1/ledger/verify", {"role": Role.RESIDENT}),
    ("GET", f"/v1/ledger/accounts/{2**70}", {"role": Role.AUDITOR}),
]
IDS = [f"{method} {path[:40]} {sorted(options)}" for method, path, options in REQUESTS]


async def _send(
    client: httpx.AsyncClient, bearer: Any, method: str, path: str, **options: Any
) -> httpx.Response:
    role = options.pop("role", None)
    headers = dict(options.pop("headers", {}))
    if role is not None:
        headers.update(bearer(role))
    extra = options.pop("extra_headers", {})
    return await client.request(method, path, headers={**headers, **extra}, **options)


@pytest.mark.parametrize(("method", "path", "options"), REQUESTS, ids=IDS)
async def test_every_response_has_a_request_id(
    client: httpx.AsyncClient, bearer: Any, method: str, path: str, options: dict[str, Any]
) -> None:
    response = await _send(client, bearer, method, path, **options)
    assert len(response.headers.get_list("x-request-id")) == 1
    assert len(response.headers["x-request-id"]) >= 8


@pytest.mark.parametrize(("method", "path", "options"), REQUESTS, ids=IDS)
async def test_a_valid_incoming_request_id_is_echoed(
    client: httpx.AsyncClient, bearer: Any, method: str, path: str, options: dict[str, Any]
) -> None:
    incoming = "client-trace_0042.a"
    response = await _send(client, bearer, method, path, extra_headers={"x-request-id": incoming}, **options)
    assert response.headers.get_list("x-request-id") == [incoming]


@pytest.mark.parametrize(
    "incoming", ["short", "has space in it", "x" * 65, "semi;colon-12345", "ünïcödé-1234"]
)
async def test_a_malformed_incoming_request_id_is_replaced(client: httpx.AsyncClient, incoming: str) -> None:
    response = await client.get("/healthz", headers={"x-request-id": incoming.encode()})
    assert response.status_code == 200
    assert response.headers["x-request-id"] != incoming
    assert len(response.headers["x-request-id"]) == 32  # a fresh uuid4 hex


async def test_requests_without_an_id_get_distinct_ones(client: httpx.AsyncClient) -> None:
    ids = {(await client.get("/healthz")).headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5
