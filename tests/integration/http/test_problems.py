"""Every error is problem+json with a stable code; bad input changes nothing; 500s leak nothing."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import get, post
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.engine import Database
from service.identity.models import Resident
from service.identity.principal import Role
from service.settings import Settings
from tests.integration.http.serving import assert_problem, row_counts, serving

MIB = 1024 * 1024
SECRET = "s3cr3t-db-password-in-exception-text"

# (body, content type) pairs that no route may accept, with the code each must get.
BAD_DEV_LOGINS: list[tuple[str, bytes, int, str]] = [
    ("malformed JSON", b'{"phone": "13800138000"', 400, "malformed_json"),
    ("not JSON at all", b"phone=13800138000", 400, "malformed_json"),
    ("wrong type", b'{"phone": 13800138000}', 422, "validation_error"),
    ("huge number", json.dumps({"phone": 2**70}).encode(), 422, "validation_error"),
    ("missing field", b"{}", 422, "validation_error"),
    ("unknown field", b'{"phone": "13800138000", "role": "city"}', 422, "validation_error"),
    ("oversize string", json.dumps({"phone": "1" * 500}).encode(), 422, "validation_error"),
    ("array body", b'["13800138000"]', 422, "validation_error"),
    ("null phone", b'{"phone": null}', 422, "validation_error"),
]


@pytest.mark.parametrize(
    ("case", "body", "status", "code"), BAD_DEV_LOGINS, ids=[c[0] for c in BAD_DEV_LOGINS]
)
async def test_bad_dev_login_is_a_problem_and_creates_nothing(
    client: httpx.AsyncClient, database: Database, case: str, body: bytes, status: int, code: str
) -> None:
    before = await row_counts(database)
    response = await client.post("/v1/auth/dev", content=body, headers={"content-type": "application/json"})
    problem = assert_problem(response, status, code)
    if code == "validation_error":
        assert isinstance(problem["errors"], list)
        assert problem["errors"], case
        assert all("message" in error for error in problem["errors"])
    assert await row_counts(database) == before


async def test_validation_errors_name_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/auth/dev", json={"phone": "13800138000", "role": "city"})
    problem = assert_problem(response, 422, "validation_error")
    assert [error.get("key") for error in problem["errors"]] == ["role"]


async def test_bad_refresh_and_logout_bodies_are_problems(
    client: httpx.AsyncClient, database: Database
) -> None:
    before = await row_counts(database)
    for path in ("/v1/auth/refresh", "/v1/auth/logout"):
        assert_problem(
            await client.post(path, content=b"{", headers={"content-type": "application/json"}), 400
        )
        assert_problem(await client.post(path, json={"refresh_token": 12345678}), 422, "validation_error")
        assert_problem(await client.post(path, json={"refresh_token": "x" * 129}), 422, "validation_error")
        assert_problem(await client.post(path, json={"token": "rt_abcdefgh"}), 422, "validation_error")
    assert await row_counts(database) == before


async def test_body_over_one_mebibyte_is_413_and_creates_nothing(
    client: httpx.AsyncClient, database: Database
) -> None:
    before = await row_counts(database)
    body = json.dumps({"phone": "13800138000", "padding": "x" * MIB}).encode()
    response = await client.post("/v1/auth/dev", content=body, headers={"content-type": "application/json"})
    assert_problem(response, 413, "payload_too_large")
    assert await row_counts(database) == before


async def test_unknown_route_is_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/v1/no-such-thing"), 404, "not_found")
    assert_problem(await client.post("/nope", json={}), 404, "not_found")


async def test_wrong_method_is_405(client: httpx.AsyncClient) -> None:
    assert_problem(await client.delete("/healthz"), 405, "method_not_allowed")
    assert_problem(await client.get("/v1/auth/dev"), 405, "method_not_allowed")
    assert_problem(await client.put("/v1/me"), 405, "method_not_allowed")


@pytest.mark.parametrize(
    "account_id", [str(2**70), str(2**63), str(-(2**70)), "-1", "0", "99999999999999999999999999999999999"]
)
async def test_out_of_range_path_ids_are_4xx(client: httpx.AsyncClient, bearer: Any, account_id: str) -> None:
    response = await client.get(f"/v1/ledger/accounts/{account_id}", headers=bearer(Role.AUDITOR))
    assert_problem(response, 422, "validation_error")


async def test_non_numeric_path_id_is_404(client: httpx.AsyncClient, bearer: Any) -> None:
    response = await client.get("/v1/ledger/accounts/1e3", headers=bearer(Role.AUDITOR))
    assert_problem(response, 404, "not_found")


async def test_missing_account_is_404_problem(client: httpx.AsyncClient, bearer: Any) -> None:
    response = await client.get(f"/v1/ledger/accounts/{2**63 - 1}", headers=bearer(Role.AUDITOR))
    assert_problem(response, 404, "account_not_found")


# Routes mounted only in these tests, to provoke failures the product's routes never should.
@get("/test/boom", operation_id="test_boom")
async def boom() -> None:
    raise RuntimeError(SECRET)


@post("/test/write-then-fail", operation_id="test_write_then_fail", status_code=200)
async def write_then_fail(db_session: NamedDependency[AsyncSession]) -> None:
    db_session.add(Resident(phone_hash="f" * 64, display_name="must be rolled back"))
    await db_session.flush()
    raise RuntimeError(SECRET)


@pytest.fixture
async def failing_client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    # Built during setup: Litestar configures logging when an app is built, which would detach
    # caplog's handler if it happened inside the test.
    async with serving(settings, database, extra_routes=[boom, write_then_fail]) as client:
        yield client


async def test_unexpected_error_is_500_internal_and_logged_with_request_id(
    failing_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="tanbi.http")
    response = await failing_client.get("/test/boom")
    problem = assert_problem(response, 500, "internal")
    request_id = response.headers["x-request-id"]
    assert problem["request_id"] == request_id
    assert request_id in problem["detail"]
    for leak in (SECRET, "Traceback", "RuntimeError", "boom", ".py"):
        assert leak not in response.text
    logged = [r for r in caplog.records if r.name == "tanbi.http" and request_id in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].levelno == logging.ERROR
    assert logged[0].exc_info is not None
    assert SECRET in str(logged[0].exc_info[1])


async def test_unexpected_error_keeps_the_callers_request_id(failing_client: httpx.AsyncClient) -> None:
    response = await failing_client.get("/test/boom", headers={"x-request-id": "trace-0001-abcd"})
    assert response.headers["x-request-id"] == "trace-0001-abcd"
    assert assert_problem(response, 500, "internal")["request_id"] == "trace-0001-abcd"


async def test_unexpected_error_rolls_back_the_requests_writes(
    failing_client: httpx.AsyncClient, database: Database
) -> None:
    before = await row_counts(database)
    response = await failing_client.post("/test/write-then-fail")
    assert_problem(response, 500, "internal")
    assert SECRET not in response.text
    assert await row_counts(database) == before


async def test_missing_body_says_a_body_is_required(client: httpx.AsyncClient, database: Database) -> None:
    before = await row_counts(database)
    problem = assert_problem(await client.post("/v1/auth/dev"), 422, "validation_error")
    assert problem["errors"][0]["message"] == "a JSON request body is required"
    assert "required" in problem["detail"]
    assert await row_counts(database) == before
