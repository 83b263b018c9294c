"""Partner fixtures: a partner with a secret, and a signer that speaks Standard Webhooks."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from service.partners.admin import add_partner
from service.partners.crypto import SecretBox, sign


class Signer:
    def __init__(self, partner_id: int, secret: str) -> None:
        self.partner_id = partner_id
        self.secret = secret

    def headers(
        self, body: bytes, *, webhook_id: str | None = None, timestamp: int | None = None
    ) -> dict[str, str]:
        webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        return {
            "webhook-id": webhook_id,
            "webhook-timestamp": stamp,
            "webhook-signature": sign(self.secret, webhook_id, stamp, body),
            "content-type": "application/json",
        }

    async def post(self, client, path: str, payload: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        body = json.dumps(payload).encode()
        return await client.post(
            f"/v1/partners/{self.partner_id}{path}", content=body, headers=self.headers(body, **kwargs)
        )

    async def put(self, client, path: str, payload: Any):  # type: ignore[no-untyped-def]
        body = json.dumps(payload).encode()
        return await client.put(
            f"/v1/partners/{self.partner_id}{path}", content=body, headers=self.headers(body)
        )

    async def get(self, client, path: str):  # type: ignore[no-untyped-def]
        return await client.get(f"/v1/partners/{self.partner_id}{path}", headers=self.headers(b""))


@pytest.fixture
async def partner(app, database) -> Signer:  # type: ignore[no-untyped-def]
    services = app.state.services
    box = SecretBox(services.settings.auth.secrets_key.get_secret_value())
    async with database.session() as session:
        created = await add_partner(
            session, box, services.registry, "Gongqing Bus", ["bus_trip", "ev_charging"]
        )
    return Signer(created.id, created.secret)


async def drain(app) -> None:  # type: ignore[no-untyped-def]
    await app.state.services.queue.drain()
