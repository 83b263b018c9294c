"""Inputs that once answered 500 (issue 13): each now answers a 4xx problem with a stable code and changes
nothing."""

from __future__ import annotations

import base64
import datetime as dt

import httpx
import pytest

from service.db.engine import Database
from service.identity.principal import Principal, Role
from service.partners.admin import add_partner
from service.partners.crypto import SecretBox
from tests.integration.http.serving import assert_problem, row_counts
from tests.integration.partners.conftest import Signer
from tests.integration.partners.test_ocpi import example_cdr


@pytest.fixture
async def partner(app, database: Database) -> Signer:  # type: ignore[no-untyped-def]
    services = app.state.services
    box = SecretBox(services.settings.auth.secrets_key.get_secret_value())
    async with database.session() as session:
        created = await add_partner(session, box, services.registry, "Bus Co", ["bus_trip"])
    return Signer(created.id, created.secret)


DEEP = ("[" * 100_000 + "]" * 100_000).encode()
DEEP_OBJECT = ('{"a":' * 100_000 + "1" + "}" * 100_000).encode()


@pytest.mark.parametrize("stamp", ["9" * 400, "9" * 5_000, "²", "١٢٣", "-5", "", "12.5"])
async def test_a_webhook_timestamp_that_is_not_unix_seconds_is_refused(
    client: httpx.AsyncClient, partner: Signer, database: Database, stamp: str
) -> None:
    before = await row_counts(database)
    body = b'{"events": []}'
    # Raw header bytes: what a hostile client sends, not what httpx would let through as text.
    headers = {k.encode(): v.encode() for k, v in partner.headers(body).items()}
    headers[b"webhook-timestamp"] = stamp.encode()
    response = await client.post(f"/v1/partners/{partner.partner_id}/events", content=body, headers=headers)
    assert_problem(response, 401, "bad_signature")
    assert await row_counts(database) == before


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
@pytest.mark.parametrize(
    "path", ["/v1/auth/dev", "/v1/auth/api-key", "/v1/auth/refresh", "/v1/methodologies/bus_trip/quantify"]
)
async def test_json_nested_too_deep_is_refused(client: httpx.AsyncClient, path: str, body: bytes) -> None:
    response = await client.post(path, content=body, headers={"content-type": "application/json"})
    assert_problem(response, 400, "malformed_json")


async def test_json_nested_too_deep_is_refused_on_partner_routes(
    client: httpx.AsyncClient, partner: Signer
) -> None:
    for path in ("/events", "/link-tokens"):
        headers = partner.headers(DEEP_OBJECT)
        response = await client.post(
            f"/v1/partners/{partner.partner_id}{path}", content=DEEP_OBJECT, headers=headers
        )
        assert_problem(response, 400, "malformed_json")


async def test_an_event_type_that_is_a_list_is_an_invalid_event(
    client: httpx.AsyncClient, partner: Signer
) -> None:
    event = {
        "id": "e-1",
        "type": ["bus_trip"],
        "subject": "s",
        "occurred_at": "2026-11-20T08:00:00+08:00",
        "evidence": {},
    }
    response = await partner.post(client, "/events", {"events": [event]})
    assert response.status_code == 202, response.text
    assert response.json()["events"][0]["status"] == "invalid"


@pytest.mark.parametrize(
    "change",
    [
        {
            "charging_periods": [
                {
                    "start_date_time": "2015-06-29T21:39:09Z",
                    "dimensions": [{"type": "MAX_POWER", "volume": "abc"}],
                }
            ]
        },
        {"charging_periods": ["x"]},
        {"charging_periods": [{"dimensions": ["x"]}]},
        {"id": "x" * 200},
    ],
    ids=["max-power-abc", "periods-of-strings", "dimensions-of-strings", "id-over-123"],
)
async def test_a_malformed_cdr_is_refused(
    client: httpx.AsyncClient, app, database: Database, change: dict
) -> None:  # type: ignore[no-untyped-def,type-arg]
    services = app.state.services
    box = SecretBox(services.settings.auth.secrets_key.get_secret_value())
    async with database.session() as session:
        created = await add_partner(session, box, services.registry, "CPO", ["ev_charging"], ocpi=True)
    before = await row_counts(database)
    auth = {"Authorization": "Token " + base64.b64encode(created.ocpi_token.encode()).decode()}
    response = await client.post(
        f"/v1/partners/{created.id}/ocpi/2.2.1/cdrs", json=example_cdr() | change, headers=auth
    )
    assert_problem(response, 422, "invalid_cdr")
    assert await row_counts(database) == before


async def test_reductions_of_a_whole_period_without_data(client: httpx.AsyncClient, bearer) -> None:  # type: ignore[no-untyped-def]
    city = bearer(Role.CITY, "1")
    for first, last, group_by in (
        ("2026-11-02", "2026-11-02", "day"),
        ("2026-11-02", "2026-11-02", "district"),
        ("2026-11-01", "2026-11-30", "month"),
        ("2026-01-01", "2026-12-31", ""),
        ("2026-11-01", "2026-11-30", "family,district"),
    ):
        params = {"from": first, "to": last, "group_by": group_by}
        response = await client.get("/v1/city/reductions", params=params, headers=city)
        assert response.status_code == 200, (params, response.text)
        assert response.json()["groups"] == []


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "0001-01-02"])
async def test_extreme_dates_are_refused_not_crashed_on(client: httpx.AsyncClient, bearer, day: str) -> None:  # type: ignore[no-untyped-def]
    city = bearer(Role.CITY, "1")
    for params in ({"from": day, "to": day}, {"from": day, "to": day, "group_by": "week"}):
        response = await client.get("/v1/city/reductions", params=params, headers=city)
        assert_problem(response, 422, "invalid_date")
    merchant = bearer(Role.MERCHANT, "1")
    statement = await client.get("/v1/merchant/statements", params={"from": day, "to": day}, headers=merchant)
    assert statement.status_code < 500, statement.text
    assert statement.status_code in (404, 422), statement.text


async def test_a_jwt_whose_subject_is_not_a_number_is_unauthorized(client: httpx.AsyncClient, tokens) -> None:  # type: ignore[no-untyped-def]
    for role, path in (
        (Role.RESIDENT, "/v1/me"),
        (Role.MERCHANT, "/v1/merchant/offers"),
        (Role.CITY, "/v1/city/summary"),
    ):
        token = tokens.issue_access(Principal("not-a-number", role), dt.datetime.now(dt.UTC))
        response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert_problem(response, 401, "invalid_token")


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+00:00"]
)
async def test_a_forged_cursor_at_the_ends_of_the_calendar_is_refused(
    client: httpx.AsyncClient, moment: str
) -> None:
    login = (await client.post("/v1/auth/dev", json={"phone": "13800000990"})).json()
    me = {"Authorization": f"Bearer {login['access_token']}"}
    cursor = base64.urlsafe_b64encode(f"{moment}|5".encode()).decode()
    response = await client.get("/v1/me/actions", params={"cursor": cursor}, headers=me)
    assert_problem(response, 422, "invalid_cursor")


@pytest.mark.parametrize("prefix", ["/api-docs-assets", "/dashboard/static"])
@pytest.mark.parametrize("name", ["a" * 256, "é" * 200, "a/" * 600, "%00", "x%00.js", "%1b"])
async def test_a_static_file_name_no_file_system_holds_is_not_found(
    client: httpx.AsyncClient, prefix: str, name: str
) -> None:
    # The operating system's "file name too long" and "embedded null byte" were 500s (found by the
    # hostile property).
    response = await client.get(f"{prefix}/{name}")
    assert_problem(response, 404, "not_found")
    assert (await client.get(f"{prefix}/{'a' * 200}")).status_code == 404  # long but possible: plain 404
