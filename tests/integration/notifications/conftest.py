"""A fake WeChat over real HTTP (sign-in codes, stable tokens, subscribe messages) and residents with
history credited through the real credit path."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr

from service.settings import Settings, SubscribeMessageSettings, SubscribeTemplate, WechatSettings
from tests.integration.actions.conftest import ZONE, actions_for, bus
from tests.integration.city.conftest import registry, trips  # noqa: F401  (the loaded methodologies)

APP_ID, APP_SECRET = "wx-test-app", "wx-test-secret"
CREDITS_TEMPLATE, EXPIRING_TEMPLATE = "tmpl-credits-0001", "tmpl-expiring-0002"
CODES = {"code-alice": "o-alice", "code-bob": "o-bob"}
TOKEN = "access-token-1"
# Past the trips' credits (they are credited at local 09:00-11:00 of these days).
DAY1, DAY2 = dt.date(2026, 11, 18), dt.date(2026, 11, 19)
AFTER = dt.datetime(2026, 11, 19, 23, 0, tzinfo=ZONE)


class FakeWechat:
    """WeChat's jscode2session, stable_token and subscribeMessage.send. ``answers`` lists what the next
    sends get (an HTTP status, or a JSON body); once empty, every send is accepted."""

    def __init__(self) -> None:
        self.sends: list[dict[str, Any]] = []
        self.token_requests = 0
        self.answers: list[int | dict[str, Any]] = []
        self.server: asyncio.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        method, target = head.split(" ")[:2]
        length = next(
            (
                int(line.split(":")[1])
                for line in head.split("\r\n")
                if line.lower().startswith("content-length")
            ),
            0,
        )
        body = json.loads(await reader.readexactly(length)) if length else {}
        path, query = urlsplit(target).path, parse_qs(urlsplit(target).query)
        status, answer = 200, self.route(method, path, query, body)
        if isinstance(answer, int):
            status, answer = answer, {"errcode": -1, "errmsg": "system error"}
        payload = json.dumps(answer).encode()
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nConnection: close\r\n".encode()
            + f"Content-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        await writer.drain()
        writer.close()

    def route(self, method: str, path: str, query: dict[str, list[str]], body: dict[str, Any]) -> Any:
        if path == "/sns/jscode2session":
            code = query.get("js_code", [""])[0]
            if code in CODES and query.get("secret") == [APP_SECRET]:
                return {"openid": CODES[code], "session_key": "sk"}
            return {"errcode": 40029, "errmsg": "invalid code"}
        if path == "/cgi-bin/stable_token" and method == "POST":
            self.token_requests += 1
            if body.get("appid") != APP_ID or body.get("secret") != APP_SECRET:
                return {"errcode": 40125, "errmsg": "invalid appsecret"}
            return {"access_token": TOKEN, "expires_in": 7200}
        if path == "/cgi-bin/message/subscribe/send" and method == "POST":
            if query.get("access_token") != [TOKEN]:
                return {"errcode": 40001, "errmsg": "invalid credential"}
            self.sends.append(body)
            return self.answers.pop(0) if self.answers else {"errcode": 0, "errmsg": "ok"}
        return 404

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"


def configured(settings: Settings, url: str, **subscribe: Any) -> Settings:
    return settings.model_copy(
        update={
            "wechat": WechatSettings(
                app_id=APP_ID, app_secret=SecretStr(APP_SECRET), base_url=url, timeout_seconds=0.5
            ),
            "subscribe": SubscribeMessageSettings(
                templates={
                    "credits": SubscribeTemplate(template_id=CREDITS_TEMPLATE),
                    "expiring": SubscribeTemplate(
                        template_id=EXPIRING_TEMPLATE, fields={"amount1": "amount", "date2": "date"}
                    ),
                },
                **subscribe,
            ),
        }
    )


@pytest.fixture
async def fake_wechat() -> AsyncIterator[FakeWechat]:
    fake = FakeWechat()
    fake.server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    try:
        yield fake
    finally:
        fake.server.close()
        await fake.server.wait_closed()


@pytest.fixture
async def wechat(app, fake_wechat: FakeWechat) -> FakeWechat:  # type: ignore[no-untyped-def]
    services = app.state.services
    services.settings = configured(services.settings, fake_wechat.url)
    return fake_wechat


async def rejected_trip(session, settings: Settings, registry, resident: int, day: dt.date) -> int:  # type: ignore[no-untyped-def]  # noqa: F811
    """A 5 km bus trip in 2 minutes on ``day`` (implausible speed), recorded through the credit path."""
    start = dt.datetime(day.year, day.month, day.day, 18, tzinfo=ZONE)
    service = actions_for(session, settings, registry, clock=lambda: start + dt.timedelta(hours=1))
    recorded = await service.record_action(
        resident, "bus_trip", bus(start, minutes=2), None, f"fast:{resident}"
    )
    assert recorded.action.status == "rejected"
    return recorded.action.id
