"""JSON logs: the access line's fields, nothing secret in any line, and the request id inside the jobs
a request enqueued (in-process and through a real arq worker)."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

from service.identity.principal import Role
from service.observability.logs import JsonFormatter, logging_config
from service.settings import Settings
from tests.integration.observability.conftest import JsonLines
from tests.integration.partners.conftest import Signer, drain, partner  # noqa: F401  (fixture)
from tests.integration.partners.test_ingest import event
from tests.integration.partners.test_production_path import (  # noqa: F401  (fixtures)
    _bound_partner,
    _run_worker,
    prod_client,
    prod_settings,
)

PHONE = "13912345678"
ACCOUNT_ID = 987654321


def _access(logs: JsonLines) -> list[dict[str, Any]]:
    return logs.objects("tanbi.access")


async def test_the_access_line_carries_id_route_status_duration_and_caller_kind(
    client: httpx.AsyncClient, bearer: Any, json_logs: JsonLines
) -> None:
    response = await client.get(f"/v1/ledger/accounts/{ACCOUNT_ID}", headers=bearer(Role.AUDITOR, "77"))
    [line] = _access(json_logs)
    assert line["request_id"] == response.headers["x-request-id"]
    assert line["route"] == "/v1/ledger/accounts/{account_id}"
    assert (line["method"], line["status"], line["caller"]) == ("GET", response.status_code, "auditor")
    assert isinstance(line["duration_ms"], float)
    assert 0 < line["duration_ms"] < 60_000
    assert {"time", "level", "logger", "message"} <= line.keys()
    assert str(ACCOUNT_ID) not in json_logs.text(), "the raw path's id is not logged, the template is"


async def test_unrouted_and_unauthenticated_requests_are_anonymous_with_no_route(
    client: httpx.AsyncClient, json_logs: JsonLines
) -> None:
    missing = await client.get("/no-such-route")
    refused = await client.get("/v1/me", headers={"Authorization": "Bearer not-a-token"})
    lines = _access(json_logs)
    assert [(x["route"], x["status"], x["caller"]) for x in lines] == [
        (None, 404, "anonymous"),
        ("/v1/me", 401, "anonymous"),
    ]
    assert [x["request_id"] for x in lines] == [
        missing.headers["x-request-id"],
        refused.headers["x-request-id"],
    ]


async def test_no_token_phone_subject_or_query_secret_reaches_any_log_line(
    client: httpx.AsyncClient, json_logs: JsonLines
) -> None:
    signed_in = await client.post("/v1/auth/dev", json={"phone": PHONE})
    assert signed_in.status_code == 200, signed_in.text
    tokens = signed_in.json()
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200
    await client.get("/healthz?api_key=mk_query_secret_123")
    logged = json_logs.text()
    for secret in (PHONE, tokens["access_token"], tokens["refresh_token"], "mk_query_secret_123", "Bearer"):
        assert secret not in logged
    callers = [(x["route"], x["caller"]) for x in _access(json_logs)]
    assert callers == [("/v1/auth/dev", "anonymous"), ("/v1/me", "resident"), ("/healthz", "anonymous")]
    assert str(me.json()["id"]) not in [str(v) for x in _access(json_logs) for v in x.values()]


async def test_a_partner_batch_job_logs_the_request_id_of_its_post(
    client: httpx.AsyncClient,
    app: Any,
    partner: Signer,  # noqa: F811
    json_logs: JsonLines,
) -> None:
    response = await partner.post(client, "/events", {"events": [event("log-1")]})
    assert response.status_code == 202, response.text
    [access] = _access(json_logs)
    assert (access["caller"], access["route"]) == ("partner", "/v1/partners/{partner_id}/events")
    await drain(app)
    [processed] = json_logs.objects("tanbi.partners")
    assert processed["request_id"] == response.headers["x-request-id"]
    assert processed["job"] == "process_partner_events"
    assert "card-001" not in json_logs.text(), "a partner's subject is never logged"


@pytest.mark.postgres
async def test_a_partner_batch_job_on_arq_logs_the_request_id_of_its_post(
    prod_client: Any,  # noqa: F811
    prod_settings: Settings,  # noqa: F811
    json_logs: JsonLines,
) -> None:
    client, services = prod_client
    signer, _ = await _bound_partner(services, ["card-001"])
    response = await signer.post(client, "/events", {"events": [event("arq-log-1")]})
    assert response.status_code == 202, response.text
    worker = await _run_worker(prod_settings)
    assert worker.jobs_complete >= 1
    [processed] = json_logs.objects("tanbi.partners")
    assert processed["request_id"] == response.headers["x-request-id"]
    assert processed["job"] == "process_partner_events"


def test_json_lines_are_one_object_with_the_exception(json_logs: JsonLines) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("tanbi.test").exception("it failed")
    [line] = json_logs.lines
    assert "\n" not in line
    found = json.loads(line)
    assert found["message"] == "it failed"
    assert "ValueError: boom" in found["exception"]


@pytest.mark.parametrize(
    ("database_url", "log_format", "expected"),
    [(None, None, "text"), ("postgresql+asyncpg://x/y", None, "json"), (None, "json", "json")],
)
def test_json_is_the_default_outside_the_embedded_default(
    tmp_path: Any, database_url: str | None, log_format: str | None, expected: str
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url, log_format=log_format)
    assert settings.resolved_log_format == expected
    config = logging_config(expected)
    access = config["formatters"][config["handlers"]["tanbi_access"]["formatter"]]
    assert (access.get("()") is JsonFormatter) == (expected == "json")
