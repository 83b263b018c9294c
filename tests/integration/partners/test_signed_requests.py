"""A signed request is bound to itself (issue 13): the Standard Webhooks signature covers neither the method
nor the path nor the query, so each webhook-id is claimed for one request. A retry of the same request gets
the stored answer; any other request with the id is 409 webhook_id_reused; a signed GET is valid once."""

from __future__ import annotations

import json

import httpx
import pytest
from tanbi_client import AsyncClient, WebhookIdReused

from tests.integration.http.serving import assert_problem
from tests.integration.partners.conftest import Signer


async def _get(
    client: httpx.AsyncClient, signer: Signer, path: str, headers: dict[str, str]
) -> httpx.Response:
    return await client.get(f"/v1/partners/{signer.partner_id}{path}", headers=headers)


async def test_a_signed_get_is_valid_once_and_for_its_path_and_query(client, partner: Signer) -> None:  # type: ignore[no-untyped-def]
    headers = partner.headers(b"")
    first = await _get(client, partner, "/events?limit=5", headers)
    assert first.status_code == 200, first.text
    again = await _get(client, partner, "/events?limit=5", headers)
    assert_problem(again, 409, "webhook_id_reused")
    captured = partner.headers(b"")
    assert (await _get(client, partner, "/events?limit=1", captured)).status_code == 200
    for elsewhere in ("/events?limit=500", "/events/e-1", "/events"):
        assert_problem(await _get(client, partner, elsewhere, captured), 409, "webhook_id_reused")


async def test_a_replayed_link_token_request_mints_nothing_new(client, partner: Signer, database) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps({"subject": "victim-card"}).encode()
    headers = partner.headers(body)
    path = f"/v1/partners/{partner.partner_id}/link-tokens"
    first = await client.post(path, content=body, headers=headers)
    replayed = await client.post(path, content=body, headers=headers)
    assert first.status_code == replayed.status_code == 201
    assert replayed.json() == first.json()  # the same token, not a fresh one bound to the victim's subject
    other = json.dumps({"subject": "attacker-card"}).encode()
    resigned = partner.headers(other, webhook_id=headers["webhook-id"])
    assert_problem(await client.post(path, content=other, headers=resigned), 409, "webhook_id_reused")


async def test_a_reused_webhook_id_with_another_body_is_409(client, partner: Signer) -> None:  # type: ignore[no-untyped-def]
    event = {
        "id": "e-1",
        "type": "bus_trip",
        "subject": "card-1",
        "occurred_at": "2026-11-20T08:00:00+08:00",
        "evidence": {},
    }
    first = await partner.post(client, "/events", {"events": [event]}, webhook_id="msg_fixed")
    retry = await partner.post(client, "/events", {"events": [event]}, webhook_id="msg_fixed")
    assert first.status_code == retry.status_code == 202
    assert retry.json() == first.json()
    changed = await partner.post(
        client, "/events", {"events": [event | {"id": "e-2"}]}, webhook_id="msg_fixed"
    )
    assert_problem(changed, 409, "webhook_id_reused")
    # ... and the id is no passkey to another route either.
    body = json.dumps({"subject": "x"}).encode()
    headers = partner.headers(body, webhook_id="msg_fixed")
    elsewhere = await client.post(
        f"/v1/partners/{partner.partner_id}/link-tokens", content=body, headers=headers
    )
    assert_problem(elsewhere, 409, "webhook_id_reused")


async def test_the_sdk_retries_with_its_first_id_and_names_the_error(app, partner: Signer) -> None:  # type: ignore[no-untyped-def]
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tanbi.test")
    async with AsyncClient("http://tanbi.test", partner.partner_id, partner.secret, http=http) as sdk:
        first = await sdk.create_link_token("card-9", webhook_id="msg_retry")
        assert await sdk.create_link_token("card-9", webhook_id="msg_retry") == first
        with pytest.raises(WebhookIdReused) as refused:
            await sdk.create_link_token("card-10", webhook_id="msg_retry")
        assert refused.value.code == "webhook_id_reused"
        assert (await sdk.create_link_token("card-10")).token != first.token  # a new id each time
