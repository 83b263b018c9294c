"""Client and AsyncClient: every request signed with the partner's secret (GETs with an empty body).

Every request gets a new webhook-id unless one is given: Tanbi takes each id for one request only. To
retry a POST after a timeout, pass the first attempt's ``webhook_id``: the retry gets the first answer
(the same batch acknowledgement, the same link token) and nothing happens twice."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from typing import Any

import httpx

from tanbi_client.errors import error_for
from tanbi_client.models import BatchAck, Event, EventPage, EventStatus, LinkToken
from tanbi_client.webhooks import sign_webhook


class _Base:
    def __init__(self, partner_id: int, secret: str) -> None:
        self.partner_id = partner_id
        self.secret = secret

    def _signed(self, body: bytes, webhook_id: str | None) -> dict[str, str]:
        webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
        stamp = str(int(time.time()))
        return {
            "webhook-id": webhook_id,
            "webhook-timestamp": stamp,
            "webhook-signature": sign_webhook(self.secret, webhook_id, stamp, body),
            "content-type": "application/json",
        }

    def _path(self, tail: str) -> str:
        return f"/v1/partners/{self.partner_id}{tail}"

    @staticmethod
    def _batch(events: Sequence[Event | dict[str, Any]]) -> bytes:
        items = [e.model_dump(mode="json") if isinstance(e, Event) else e for e in events]
        return json.dumps({"events": items}).encode()

    @staticmethod
    def _check(response: httpx.Response) -> Any:
        body = response.json() if response.content else {}
        if response.status_code >= 400:
            raise error_for(response.status_code, body if isinstance(body, dict) else {})
        return body


class Client(_Base):
    def __init__(
        self, base_url: str, partner_id: int, secret: str, *, http: httpx.Client | None = None
    ) -> None:
        super().__init__(partner_id, secret)
        self.http = http or httpx.Client(base_url=base_url, timeout=30)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def send_events(
        self, events: Sequence[Event | dict[str, Any]], *, webhook_id: str | None = None
    ) -> BatchAck:
        body = self._batch(events)
        response = self.http.post(self._path("/events"), content=body, headers=self._signed(body, webhook_id))
        return BatchAck.model_validate(self._check(response))

    def create_link_token(self, subject: str, *, webhook_id: str | None = None) -> LinkToken:
        body = json.dumps({"subject": subject}).encode()
        headers = self._signed(body, webhook_id)
        response = self.http.post(self._path("/link-tokens"), content=body, headers=headers)
        return LinkToken.model_validate(self._check(response))

    def event_status(self, event_id: str) -> EventStatus:
        response = self.http.get(self._path(f"/events/{event_id}"), headers=self._signed(b"", None))
        return EventStatus.model_validate(self._check(response))

    def list_events(self, **filters: Any) -> EventPage:
        params = {k: v for k, v in filters.items() if v is not None}
        response = self.http.get(self._path("/events"), params=params, headers=self._signed(b"", None))
        return EventPage.model_validate(self._check(response))


class AsyncClient(_Base):
    def __init__(
        self, base_url: str, partner_id: int, secret: str, *, http: httpx.AsyncClient | None = None
    ) -> None:
        super().__init__(partner_id, secret)
        self.http = http or httpx.AsyncClient(base_url=base_url, timeout=30)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    async def send_events(
        self, events: Sequence[Event | dict[str, Any]], *, webhook_id: str | None = None
    ) -> BatchAck:
        body = self._batch(events)
        response = await self.http.post(
            self._path("/events"), content=body, headers=self._signed(body, webhook_id)
        )
        return BatchAck.model_validate(self._check(response))

    async def create_link_token(self, subject: str, *, webhook_id: str | None = None) -> LinkToken:
        body = json.dumps({"subject": subject}).encode()
        headers = self._signed(body, webhook_id)
        response = await self.http.post(self._path("/link-tokens"), content=body, headers=headers)
        return LinkToken.model_validate(self._check(response))

    async def event_status(self, event_id: str) -> EventStatus:
        response = await self.http.get(self._path(f"/events/{event_id}"), headers=self._signed(b"", None))
        return EventStatus.model_validate(self._check(response))

    async def list_events(self, **filters: Any) -> EventPage:
        params = {k: v for k, v in filters.items() if v is not None}
        response = await self.http.get(self._path("/events"), params=params, headers=self._signed(b"", None))
        return EventPage.model_validate(self._check(response))
