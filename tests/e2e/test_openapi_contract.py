"""The OpenAPI document is the contract (issue 13): schemathesis drives every operation of a served
embedded instance (``tanbi serve --demo``) from the document alone, with each role's credentials and a
partner's real signature, and fails on a 5xx, an undocumented status, a wrong content type or a body off
its schema (a problem's ``code`` included: each status lists the codes it may carry).

Examples per operation are bounded (``TANBI_CONTRACT_EXAMPLES``, default 25) to keep CI short.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from service.partners.crypto import sign
from tests.e2e.test_cli import TANBI, environment, serving

# 15 examples an operation (about 2,500 cases over the document, the same ones every run): at 25 this one
# test took 217 of the suite's 1,185 seconds in CI, past the 20 minutes CI allows. Raise it locally with
# TANBI_CONTRACT_EXAMPLES to fuzz deeper.
EXAMPLES = int(os.environ.get("TANBI_CONTRACT_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# The embedded server has no WeChat app: its documented 503 is the right answer there, not a crash.
UNCONFIGURED = {("POST", "/v1/auth/wechat"): "wechat_not_configured"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Any:
    data_dir = tmp_path_factory.mktemp("contract")
    env = environment(data_dir) | {
        "TANBI_RATE_LIMITS__SIGN_IN": "1000000",  # a fuzzer signs in far more often than a person
        "TANBI_RATE_LIMITS__PAYCODES": "1000000",
        "TANBI_RATE_LIMITS__CHARGES": "1000000",
    }
    subprocess.run([TANBI, "migrate"], env=env, check=True, capture_output=True)
    auditor = _cli(env, "city-user", "add", "Contract auditor", "--role", "auditor", "--json")
    verifier = _cli(env, "city-user", "add", "Contract verifier", "--role", "verifier", "--json")
    ocpi = _cli(env, "partner", "add", "Contract CPO", "--methodologies", "ev_charging", "--ocpi", "--json")
    with serving(env, residents=30, ready_within=240) as (base, _process):
        yield {"base": base, "data_dir": data_dir, "auditor": auditor, "verifier": verifier, "ocpi": ocpi}


def _cli(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run([TANBI, *args], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def credentials(served: dict[str, Any]) -> dict[str, Any]:
    base, data_dir = served["base"], Path(served["data_dir"])
    city = json.loads((data_dir / "demo-city.json").read_text())
    partners = json.loads((data_dir / "demo-partners.json").read_text())

    def api_key(key: str) -> str:
        response = httpx.post(f"{base}/v1/auth/api-key", json={"api_key": key})
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    resident = httpx.post(f"{base}/v1/auth/dev", json={"phone": "13800000001"}).json()["access_token"]
    return {
        "resident": resident,
        "merchant": api_key(city["merchant"]["api_key"]),
        "city": api_key(city["city_user"]["api_key"]),
        "auditor": api_key(served["auditor"]["api_key"]),
        "verifier": api_key(served["verifier"]["api_key"]),
        "partner": next(iter(partners.values())),
        "ocpi": served["ocpi"],
    }


@pytest.fixture(scope="module")
def contract(served: dict[str, Any]) -> Any:
    return schemathesis.openapi.from_url(f"{served['base']}/schema/openapi.json")


schema = schemathesis.pytest.from_fixture("contract")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same examples on every run: a failure reproduces
)
def test_every_operation_keeps_its_contract(
    case: Any, served: dict[str, Any], credentials: dict[str, Any]
) -> None:
    security = [
        name for requirement in case.operation.definition.raw.get("security", []) for name in requirement
    ]
    headers = dict(case.headers or {})
    if "partnerSignature" in security:
        case.path_parameters["partner_id"] = credentials["partner"]["id"]
    if "ocpiToken" in security:
        case.path_parameters["partner_id"] = credentials["ocpi"]["id"]
        headers["Authorization"] = f"Token {credentials['ocpi']['ocpi_token']}"
    kwargs = case.as_transport_kwargs(base_url=served["base"], headers=headers)
    body = _body(kwargs)
    if "partnerSignature" in security:
        _sign(kwargs["headers"], body, credentials["partner"]["secret"])
    else:
        _authorize(kwargs["headers"], security, case, served, credentials)
    response = httpx.request(
        kwargs["method"],
        kwargs["url"],
        params=kwargs.get("params"),
        headers=kwargs["headers"],
        content=body,
        cookies=kwargs.get("cookies"),
        timeout=30,
    )
    case.validate_response(response, checks=_checks(case, response))


def _checks(case: Any, response: httpx.Response) -> list[Any]:
    expected = UNCONFIGURED.get((case.method.upper(), case.path))
    if response.status_code == 503 and expected and response.json().get("code") == expected:
        return [check for check in CHECKS if check is not not_a_server_error]
    return CHECKS


def _body(kwargs: dict[str, Any]) -> bytes | None:
    """The exact bytes sent, so a partner's signature covers them."""
    if "json" in kwargs:
        kwargs.setdefault("headers", {})["Content-Type"] = "application/json"
        return json.dumps(kwargs.pop("json")).encode()
    data = kwargs.pop("data", None)
    if data is None:
        return None
    return data if isinstance(data, bytes) else str(data).encode()


def _sign(headers: dict[str, str], body: bytes | None, secret: str) -> None:
    """A fresh webhook-id each time: a reused one is a different request (409), not what is tested."""
    webhook_id, stamp = f"msg_{uuid.uuid4().hex}", str(int(time.time()))
    signature = sign(secret, webhook_id, stamp, body or b"")
    headers.update({"webhook-id": webhook_id, "webhook-timestamp": stamp, "webhook-signature": signature})


def _authorize(
    headers: dict[str, str],
    security: list[str],
    case: Any,
    served: dict[str, Any],
    credentials: dict[str, Any],
) -> None:
    roles = [name for name in security if name in ("resident", "merchant", "city", "auditor", "verifier")]
    if not roles:
        return
    if case.method.upper() == "DELETE" and case.path == "/v1/me":
        # Deleting the account is final: a resident of its own, so the others keep theirs.
        phone = f"139{uuid.uuid4().int % 10**8:08d}"
        fresh = httpx.post(f"{served['base']}/v1/auth/dev", json={"phone": phone}).json()
        headers["Authorization"] = f"Bearer {fresh['access_token']}"
        return
    headers["Authorization"] = f"Bearer {credentials[roles[0]]}"
