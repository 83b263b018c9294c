"""Mini-program sign-in against a fake WeChat server over real HTTP (both dialects)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from service.identity.models import Resident
from service.settings import WechatSettings

APP_ID, APP_SECRET = "wx-test-app", "wx-test-secret"
USERS = {
    "code-alice": {"openid": "o-alice", "session_key": "sk"},
    "code-alice-2": {"openid": "o-alice", "session_key": "sk2"},
    "code-bob-union": {"openid": "o-bob-app2", "unionid": "u-bob", "session_key": "sk"},
    "code-bob-app1": {"openid": "o-bob-app1", "unionid": "u-bob", "session_key": "sk"},
}


class FakeWechat:
    """Answers GET /sns/jscode2session like WeChat: the session for a known code, errcode 40029 otherwise."""

    def __init__(self) -> None:
        self.requests: list[dict[str, list[str]]] = []
        self.server: asyncio.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        target = head.split(" ")[1]
        query = parse_qs(urlsplit(target).query)
        self.requests.append(query)
        if urlsplit(target).path != "/sns/jscode2session":
            body: dict[str, object] = {"errcode": 404, "errmsg": "not found"}
        elif query.get("appid") != [APP_ID] or query.get("secret") != [APP_SECRET]:
            body = {"errcode": 40125, "errmsg": "invalid appsecret"}
        elif query.get("grant_type") != ["authorization_code"]:
            body = {"errcode": 40002, "errmsg": "invalid grant_type"}
        else:
            body = USERS.get(query.get("js_code", [""])[0], {"errcode": 40029, "errmsg": "invalid code"})
        payload = json.dumps(body).encode()
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
            + f"Content-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        await writer.drain()
        writer.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"


@pytest.fixture
async def wechat(app) -> AsyncIterator[FakeWechat]:  # type: ignore[no-untyped-def]
    fake = FakeWechat()
    fake.server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    services = app.state.services
    configured = WechatSettings(app_id=APP_ID, app_secret=SecretStr(APP_SECRET), base_url=fake.url)
    services.settings = services.settings.model_copy(update={"wechat": configured})
    try:
        yield fake
    finally:
        fake.server.close()
        await fake.server.wait_closed()


async def _residents(database) -> int:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(Resident)) or 0


async def test_first_sign_in_creates_the_resident_and_later_ones_find_it(client, database, wechat) -> None:  # type: ignore[no-untyped-def]
    first = await client.post("/v1/auth/wechat", json={"code": "code-alice"})
    assert first.status_code == 200, first.text
    pair = first.json()
    assert pair["token_type"] == "bearer"
    assert pair["expires_in"] == 900
    me = (await client.get("/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})).json()
    again = (await client.post("/v1/auth/wechat", json={"code": "code-alice-2"})).json()
    me_again = (
        await client.get("/v1/me", headers={"Authorization": f"Bearer {again['access_token']}"})
    ).json()
    assert me_again["id"] == me["id"]
    assert wechat.requests[0]["js_code"] == ["code-alice"]
    async with database.session() as session:
        resident = await session.get(Resident, me["id"])
        assert resident.openid_hash is not None
        assert "o-alice" not in resident.openid_hash  # only a keyed hash is kept


async def test_a_unionid_finds_the_same_person_from_another_app(client, wechat) -> None:  # type: ignore[no-untyped-def]
    first = (await client.post("/v1/auth/wechat", json={"code": "code-bob-union"})).json()
    other = (await client.post("/v1/auth/wechat", json={"code": "code-bob-app1"})).json()
    ids = []
    for pair in (first, other):
        me = await client.get("/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
        ids.append(me.json()["id"])
    assert ids[0] == ids[1]


async def test_an_invalid_code_is_refused_and_creates_nobody(client, database, wechat) -> None:  # type: ignore[no-untyped-def]
    before = await _residents(database)
    refused = await client.post("/v1/auth/wechat", json={"code": "code-from-nowhere"})
    assert (refused.status_code, refused.json()["code"]) == (401, "wechat_invalid_code")
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert await _residents(database) == before


async def test_wechat_down_is_a_clear_502_and_creates_nobody(app, client, database, wechat) -> None:  # type: ignore[no-untyped-def]
    wechat.server.close()
    await wechat.server.wait_closed()
    before = await _residents(database)
    down = await client.post("/v1/auth/wechat", json={"code": "code-alice"})
    assert (down.status_code, down.json()["code"]) == (502, "wechat_unavailable")
    assert await _residents(database) == before


async def test_other_wechat_errors_and_missing_configuration(app, client, wechat) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    wrong = services.settings.wechat.model_copy(update={"app_secret": SecretStr("not-the-secret")})
    services.settings = services.settings.model_copy(update={"wechat": wrong})
    refused = await client.post("/v1/auth/wechat", json={"code": "code-alice"})
    assert (refused.status_code, refused.json()["code"], refused.json()["errcode"]) == (
        502,
        "wechat_error",
        40125,
    )
    services.settings = services.settings.model_copy(update={"wechat": WechatSettings()})
    unconfigured = await client.post("/v1/auth/wechat", json={"code": "code-alice"})
    assert (unconfigured.status_code, unconfigured.json()["code"]) == (503, "wechat_not_configured")
    empty = await client.post("/v1/auth/wechat", json={"code": ""})
    assert empty.status_code == 422
