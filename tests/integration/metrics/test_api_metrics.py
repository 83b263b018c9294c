"""GET /metrics on both dialects: the guard, partner events by status after a credited batch, request
series by route template, redemption outcomes by code, the city's lag and the pool."""

from __future__ import annotations

import httpx
from litestar import Litestar

from service.db import partitions
from service.identity.principal import Role
from service.partners.admin import add_partner
from service.partners.crypto import SecretBox
from tests.integration.http.serving import assert_problem
from tests.integration.metrics.conftest import SCRAPE, scrape, value
from tests.integration.partners.conftest import Signer
from tests.integration.partners.test_ingest import event

EVENTS_ROUTE = "/v1/partners/{partner_id}/events"


async def _partner(app: Litestar) -> Signer:
    services = app.state.services
    box = SecretBox(services.settings.auth.secrets_key.get_secret_value())
    async with services.database.session() as session:
        created = await add_partner(session, box, services.registry, "Gongqing Bus", ["bus_trip"])
    return Signer(created.id, created.secret)


async def _bind(http: httpx.AsyncClient, partner: Signer, subject: str) -> None:
    link = await partner.post(http, "/link-tokens", {"subject": subject})
    login = (await http.post("/v1/auth/dev", json={"phone": "13800000091"})).json()
    resident = {"Authorization": f"Bearer {login['access_token']}"}
    bound = await http.post("/v1/me/bindings", json={"token": link.json()["token"]}, headers=resident)
    assert bound.status_code == 201, bound.text


async def test_metrics_is_off_without_a_token(client: httpx.AsyncClient) -> None:
    # The shared app has no TANBI_METRICS__TOKEN: the route does not exist.
    assert_problem(await client.get("/metrics", headers=SCRAPE), 404, "not_found")


async def test_a_missing_or_wrong_token_is_refused(metered: httpx.AsyncClient) -> None:
    assert_problem(await metered.get("/metrics"), 401, "missing_token")
    wrong = await metered.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert_problem(wrong, 401, "invalid_token")
    assert wrong.headers["www-authenticate"].startswith("Bearer")
    assert (await metered.get("/metrics", headers=SCRAPE)).status_code == 200


async def test_a_credited_batch_shows_per_methodology_and_requests_by_route_template(
    metered: httpx.AsyncClient, metered_app: Litestar
) -> None:
    partner = await _partner(metered_app)
    await _bind(metered, partner, "card-m1")
    batch = {"events": [event(f"m{n}", subject="card-m1", minutes_ago=100 * n) for n in (1, 2, 3)]}
    assert (await partner.post(metered, "/events", batch)).status_code == 202

    waiting = await scrape(metered)
    assert value(waiting, "tanbi_partner_events", methodology="bus_trip", status="received") == 3
    assert value(waiting, "tanbi_outbox_backlog") == 3
    assert value(waiting, "tanbi_outbox_oldest_received_age_seconds") >= 0

    await metered_app.state.services.queue.drain()
    found = await scrape(metered)
    assert value(found, "tanbi_partner_events", methodology="bus_trip", status="credited") == 3
    assert value(found, "tanbi_partner_events", methodology="bus_trip", status="received") == 0
    assert value(found, "tanbi_outbox_backlog") == 0
    assert value(found, "tanbi_outbox_oldest_received_age_seconds") == 0
    # Credited, logged for the city, not folded yet (no fold ran); never published in this database.
    assert value(found, "tanbi_city_rollup_waiting_actions") == 3
    assert "tanbi_city_behind_seconds" not in found

    posted = {"route": EVENTS_ROUTE, "method": "POST", "status": "2xx"}
    assert value(found, "tanbi_http_requests_total", **posted) == 1
    latency = {"route": EVENTS_ROUTE, "method": "POST", "le": "+Inf"}
    assert value(found, "tanbi_http_request_duration_seconds_bucket", **latency) == 1
    routes = {dict(labels).get("route") for labels in found["tanbi_http_requests_total"]}
    assert f"/v1/partners/{partner.partner_id}/events" not in routes  # never a raw path with its id
    assert {"/v1/me/bindings", "/metrics"} <= routes


async def test_unmatched_paths_are_counted_under_one_label(metered: httpx.AsyncClient) -> None:
    for n in range(3):
        assert (await metered.get(f"/no/such/path/{n}")).status_code == 404
    found = await scrape(metered)
    assert value(found, "tanbi_http_requests_total", route="unmatched", method="GET", status="4xx") == 3


async def test_redemptions_are_counted_by_outcome_code(metered: httpx.AsyncClient, bearer) -> None:  # type: ignore[no-untyped-def]
    charge = {"paycode": "000000000000000000", "amount": 5, "idempotency_key": "metrics-1"}
    refused = await metered.post("/v1/merchant/charges", json=charge, headers=bearer(Role.MERCHANT, "1"))
    assert refused.status_code in (404, 409, 422), refused.text
    code = refused.json()["code"]
    found = await scrape(metered)
    assert value(found, "tanbi_redemptions_total", kind="charge", outcome=code) == 1


async def test_the_pool_is_reported_on_postgresql(metered: httpx.AsyncClient, metered_app: Litestar) -> None:
    found = await scrape(metered)
    if metered_app.state.services.database.dialect == "sqlite":
        assert value(found, "tanbi_db_pool_size") == 0  # NullPool: a connection per use, none kept
        return
    assert value(found, "tanbi_db_pool_size") >= 1
    assert value(found, "tanbi_db_pool_checked_out") >= 0


async def test_the_partitions_kept_ahead_are_reported_on_postgresql(
    metered: httpx.AsyncClient, metered_app: Litestar
) -> None:
    found = await scrape(metered)
    if metered_app.state.services.database.dialect == "sqlite":
        assert "tanbi_partition_months_ahead" not in found  # nothing partitioned, nothing to watch
        return
    assert value(found, "tanbi_partition_months_ahead") == partitions.MONTHS_AHEAD
