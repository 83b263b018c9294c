"""The access log (service/http/access_log.py): one line per response, with its status and request id."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from tests.integration.http.test_request_id import IDS, REQUESTS, _send


@pytest.mark.parametrize(("method", "path", "options"), REQUESTS, ids=IDS)
async def test_every_response_has_one_access_line_with_its_request_id(
    client: httpx.AsyncClient,
    bearer: Any,
    caplog: pytest.LogCaptureFixture,
    method: str,
    path: str,
    options: dict[str, Any],
) -> None:
    caplog.set_level(logging.INFO, logger="tanbi.access")
    response = await _send(client, bearer, method, path, **options)
    lines = [r.getMessage() for r in caplog.records if r.name == "tanbi.access"]
    request_id = response.headers["x-request-id"]
    assert lines == [f'127.0.0.1:123 - "{method} {path} HTTP/1.1" {response.status_code} {request_id}']


async def test_the_query_string_is_in_the_line(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tanbi.access")
    response = await client.get("/healthz?x=1", headers={"x-request-id": "caller-chosen-id"})
    lines = [r.getMessage() for r in caplog.records if r.name == "tanbi.access"]
    assert lines == [f'127.0.0.1:123 - "GET /healthz?x=1 HTTP/1.1" {response.status_code} caller-chosen-id']
