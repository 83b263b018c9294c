"""The access log (service/http/access_log.py): one line per response, with its status and request id."""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
import pytest

from tests.integration.http.test_request_id import IDS, REQUESTS, _send

# "GET /v1/ledger/accounts/{account_id} HTTP/1.1" 404 <id> 2.3ms auditor
LINE = re.compile(r'"(\S+) (\S+) HTTP/1\.1" (\d{3}) (\S+) (\d+\.\d)ms (\w+)')


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
    role = options.get("role")
    response = await _send(client, bearer, method, path, **options)
    [line] = [r.getMessage() for r in caplog.records if r.name == "tanbi.access"]
    found = LINE.fullmatch(line)
    assert found is not None, line
    logged_method, route, status, request_id, _, caller = found.groups()
    assert (logged_method, int(status), request_id) == (
        method,
        response.status_code,
        response.headers["x-request-id"],
    )
    # The route template, or none: a path's ids and whatever a client typed stay out of the log.
    assert route == path or "{" in route or route == "-"
    assert caller == (role.value if role and response.status_code != 401 else "anonymous")


async def test_the_query_string_is_not_in_the_line(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tanbi.access")
    response = await client.get("/healthz?x=1", headers={"x-request-id": "caller-chosen-id"})
    [line] = [r.getMessage() for r in caplog.records if r.name == "tanbi.access"]
    assert line.startswith(f'"GET /healthz HTTP/1.1" {response.status_code} caller-chosen-id ')
