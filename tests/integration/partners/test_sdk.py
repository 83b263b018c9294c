"""The partner SDK (clients/python) against the real service, and its standalone webhook helpers."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from tanbi_client import (
    AsyncClient,
    BadSignature,
    Event,
    NotFound,
    WebhookVerificationError,
    sign_webhook,
    verify_webhook,
)

from tests.integration.partners.conftest import drain
from tests.integration.partners.test_ingest import trip

REFERENCE = {
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
    "timestamp": 1614265330,
    "body": b'{"test": 2432232314}',
    "signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
}


def test_reference_vector_signs_and_verifies() -> None:
    r = REFERENCE
    assert sign_webhook(r["secret"], r["id"], r["timestamp"], r["body"]) == r["signature"]
    headers = {
        "webhook-id": r["id"],
        "webhook-timestamp": str(r["timestamp"]),
        "webhook-signature": r["signature"],
    }
    verify_webhook(r["secret"], headers, r["body"], now=r["timestamp"] + 10)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(r["secret"], headers, r["body"] + b" ", now=r["timestamp"])
    with pytest.raises(WebhookVerificationError):
        verify_webhook(r["secret"], headers, r["body"], now=r["timestamp"] + 301)


async def test_async_client_sends_binds_and_reads_status(app, partner, client) -> None:  # type: ignore[no-untyped-def]
    transport = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tanbi.test")
    async with AsyncClient("http://tanbi.test", partner.partner_id, partner.secret, http=transport) as sdk:
        evidence = trip(90)
        event = Event(
            id="sdk-1",
            type="bus_trip",
            subject="card-sdk",
            occurred_at=dt.datetime.fromisoformat(str(evidence["boarded_at"])),
            evidence=evidence,
        )
        ack = await sdk.send_events([event])
        assert [(e.id, e.status) for e in ack.events] == [("sdk-1", "accepted")]
        link = await sdk.create_link_token("card-sdk")
        login = (await client.post("/v1/auth/dev", json={"phone": "13800000123"})).json()
        bound = await client.post(
            "/v1/me/bindings",
            json={"token": link.token},
            headers={"Authorization": f"Bearer {login['access_token']}"},
        )
        assert bound.status_code == 201
        await drain(app)
        status = await sdk.event_status("sdk-1")
        assert (status.status, status.grams, status.coins) == ("credited", 134, 13)
        assert [e.id for e in (await sdk.list_events(status="credited")).items] == ["sdk-1"]
        with pytest.raises(NotFound) as missing:
            await sdk.event_status("nope")
        assert missing.value.code == "event_not_found"
    intruder = AsyncClient(
        "http://tanbi.test",
        partner.partner_id,
        REFERENCE["secret"],
        http=httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tanbi.test"),
    )
    async with intruder:
        with pytest.raises(BadSignature):
            await intruder.send_events([event])
