"""Mini-program sign-in against a fake WeChat server over real HTTP (both dialects)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from service.db.registry import metadata
from service.identity.models import RefreshToken, Resident
from service.settings import WechatSettings
from tests.integration.http.serving import assert_problem

APP_ID, APP_SECRET = "wx-test-app", "wx-test-secret"
USERS = {
    "code-alice": {"openid": "o-alice", "session_key": "sk-alice-never-stored"},
    "code-alice-2": {"openid": "o-alice", "session_key": "sk-alice-2-never-stored"},
    "code-bob-union": {"openid": "o-bob-app2", "unionid": "u-bob", "session_key": "sk"},
    "code-bob-app1": {"openid": "o-bob-app1", "unionid": "u-bob", "session_key": "sk"},
    # Carol first signs in before her app joined the open platform (no unionid), later with one.
    "code-carol": {"openid": "o-carol", "session_key": "sk"},
    "code-carol-union": {"openid": "o-carol", "unionid": "u-carol", "session_key": "sk"},
    "code-carol-app2": {"openid": "o-carol-app2", "unionid": "u-carol", "session_key": "sk"},
    "code-carol-app2-alone": {"openid": "o-carol-app2", "session_key": "sk"},
    "code-busy": {"errcode": 45011, "errmsg": "api minute-quota reach limit"},
    "code-no-openid": {"session_key": "sk"},
}
# Codes the fake answers with broken HTTP instead of a JSON body (see FakeWechat.handle).
BROKEN = {"code-500": "server error", "code-html": "not JSON", "code-silent": "no answer before the timeout"}
RAW_VALUES = ("o-alice", "sk-alice-never-stored", "o-bob-app2", "u-bob")


class FakeWechat:
    """Answers GET /sns/jscode2session like WeChat: the session for a known code, errcode 40029 for an
    unknown one; refuses a wrong appid, secret or grant_type as WeChat does."""

    def __init__(self) -> None:
        self.requests: list[dict[str, list[str]]] = []
        self.server: asyncio.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        target = head.split(" ")[1]
        query = parse_qs(urlsplit(target).query)
        self.requests.append(query)
        code = query.get("js_code", [""])[0]
        status, content_type = "200 OK", "application/json"
        if urlsplit(target).path != "/sns/jscode2session":
            body: dict[str, object] = {"errcode": 404, "errmsg": "not found"}
        elif query.get("appid") != [APP_ID] or query.get("secret") != [APP_SECRET]:
            body = {"errcode": 40125, "errmsg": "invalid appsecret"}
        elif query.get("grant_type") != ["authorization_code"]:
            body = {"errcode": 40002, "errmsg": "invalid grant_type"}
        elif code == "code-silent":
            await reader.read()  # say nothing until the client gives up and hangs up
            writer.close()
            return
        elif code == "code-500":
            status, body = "500 Internal Server Error", {"errcode": -1, "errmsg": "system error"}
        else:
            body = USERS.get(code, {"errcode": 40029, "errmsg": "invalid code"})
        payload = json.dumps(body).encode()
        if code == "code-html":
            content_type, payload = "text/html", b"<html>gateway maintenance</html>"
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nConnection: close\r\n".encode()
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
    configured = WechatSettings(
        app_id=APP_ID, app_secret=SecretStr(APP_SECRET), base_url=fake.url, timeout_seconds=0.5
    )
    services.settings = services.settings.model_copy(update={"wechat": configured})
    try:
        yield fake
    finally:
        fake.server.close()
        await fake.server.wait_closed()


async def _residents(database) -> int:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(Resident)) or 0


async def _sign_in(client: httpx.AsyncClient, code: str) -> dict[str, Any]:
    answer = await client.post("/v1/auth/wechat", json={"code": code})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _resident_id(client: httpx.AsyncClient, code: str) -> int:
    pair = await _sign_in(client, code)
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.status_code == 200, me.text
    return me.json()["id"]


async def test_first_sign_in_creates_the_resident_and_later_ones_find_it(client, database, wechat) -> None:  # type: ignore[no-untyped-def]
    before = await _residents(database)
    pair = await _sign_in(client, "code-alice")
    assert pair.keys() == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert (pair["token_type"], pair["expires_in"]) == ("bearer", 900)
    me = (await client.get("/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})).json()
    assert await _residents(database) == before + 1
    assert await _resident_id(client, "code-alice-2") == me["id"]
    assert await _residents(database) == before + 1
    assert wechat.requests[0]["js_code"] == ["code-alice"]
    # The refresh token of a WeChat sign-in works like the dev provider's.
    refreshed = await client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text


async def test_only_keyed_hashes_are_stored_never_the_session_key(client, database, wechat) -> None:  # type: ignore[no-untyped-def]
    await _sign_in(client, "code-alice")
    await _sign_in(client, "code-bob-union")
    async with database.session() as session:
        for table in metadata().sorted_tables:
            for row in (await session.execute(sa.select(table))).all():
                stored = repr(tuple(row))
                for raw in RAW_VALUES:
                    assert raw not in stored, (table.name, raw)
        hashes = (await session.execute(sa.select(Resident.openid_hash, Resident.unionid_hash))).all()
    assert all(len(openid) == 64 for openid, _ in hashes if openid)
    assert any(unionid for _, unionid in hashes)


async def test_a_unionid_finds_the_same_person_from_another_app(client, database, wechat) -> None:  # type: ignore[no-untyped-def]
    before = await _residents(database)
    first = await _resident_id(client, "code-bob-union")
    assert await _resident_id(client, "code-bob-app1") == first
    assert await _residents(database) == before + 1


async def test_a_unionid_given_later_is_attached_and_then_links_other_apps(client, database, wechat) -> None:  # type: ignore[no-untyped-def]
    carol = await _resident_id(client, "code-carol")
    async with database.session() as session:
        assert (await session.get(Resident, carol)).unionid_hash is None
    assert await _resident_id(client, "code-carol-union") == carol
    async with database.session() as session:
        assert (await session.get(Resident, carol)).unionid_hash is not None
    # Another app of the same open platform: a new openid, the same unionid -> the same resident.
    assert await _resident_id(client, "code-carol-app2") == carol


async def test_a_resident_found_by_unionid_gets_the_openid_attached(client, database, wechat) -> None:  # type: ignore[no-untyped-def]
    carol = await _resident_id(client, "code-carol-union")
    async with database.session() as session:  # a resident known only by unionid (no openid kept)
        await session.execute(sa.update(Resident).where(Resident.id == carol).values(openid_hash=None))
        await session.commit()
    before = await _residents(database)
    assert await _resident_id(client, "code-carol-app2") == carol
    async with database.session() as session:
        assert (await session.get(Resident, carol)).openid_hash is not None
    # The attached openid alone (no unionid in WeChat's answer) now finds her too.
    assert await _resident_id(client, "code-carol-app2-alone") == carol
    assert await _residents(database) == before


async def test_a_deleted_resident_cannot_sign_in_again(client, database, wechat) -> None:  # type: ignore[no-untyped-def]
    pair = await _sign_in(client, "code-alice")
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    old = (await client.get("/v1/me", headers=headers)).json()["id"]
    assert (await client.delete("/v1/me", headers=headers)).status_code == 204
    # Deletion erased the hashes: the same WeChat user is a new, unrelated resident.
    assert await _resident_id(client, "code-alice-2") != old
    assert_problem(await client.get("/v1/me", headers=headers), 401, "account_deleted")


async def test_a_deleted_row_that_kept_its_hashes_is_refused(client, database, wechat) -> None:  # type: ignore[no-untyped-def]
    carol = await _resident_id(client, "code-carol")
    async with database.session() as session:  # deleted, but (unlike delete_account) hashes left behind
        await session.execute(
            sa.update(Resident).where(Resident.id == carol).values(deleted_at=sa.func.current_timestamp())
        )
        await session.commit()
    residents = await _residents(database)
    async with database.session() as session:
        tokens = await session.scalar(sa.select(sa.func.count()).select_from(RefreshToken))
    for code in ("code-carol", "code-carol-union"):
        assert_problem(await client.post("/v1/auth/wechat", json={"code": code}), 401, "account_deleted")
    async with database.session() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(RefreshToken)) == tokens
        assert (await session.get(Resident, carol)).unionid_hash is None  # nothing attached to the dead row
    assert await _residents(database) == residents


async def test_an_invalid_code_is_refused_and_creates_nobody(client, database, wechat) -> None:  # type: ignore[no-untyped-def]
    before = await _residents(database)
    refused = await client.post("/v1/auth/wechat", json={"code": "code-from-nowhere"})
    assert_problem(refused, 401, "wechat_invalid_code")
    assert await _residents(database) == before


async def test_wechat_down_is_a_clear_502_and_creates_nobody(app, client, database, wechat) -> None:  # type: ignore[no-untyped-def]
    wechat.server.close()
    await wechat.server.wait_closed()
    before = await _residents(database)
    down = await client.post("/v1/auth/wechat", json={"code": "code-alice"})
    assert_problem(down, 502, "wechat_unavailable")
    assert await _residents(database) == before


@pytest.mark.parametrize("code", sorted([*BROKEN, "code-no-openid"]))
async def test_broken_answers_are_502_unavailable_and_create_nobody(client, database, wechat, code) -> None:  # type: ignore[no-untyped-def]
    before = await _residents(database)
    answer = await client.post("/v1/auth/wechat", json={"code": code})
    assert_problem(answer, 502, "wechat_unavailable")
    assert [r["js_code"] for r in wechat.requests] == [[code]]  # it was WeChat's answer that failed
    assert await _residents(database) == before


async def test_other_errcodes_are_502_with_the_errcode_and_create_nobody(
    app, client, database, wechat
) -> None:  # type: ignore[no-untyped-def]
    before = await _residents(database)
    busy = assert_problem(
        await client.post("/v1/auth/wechat", json={"code": "code-busy"}), 502, "wechat_error"
    )
    assert busy["errcode"] == 45011
    services = app.state.services
    wrong = services.settings.wechat.model_copy(update={"app_secret": SecretStr("not-the-secret")})
    services.settings = services.settings.model_copy(update={"wechat": wrong})
    refused = assert_problem(
        await client.post("/v1/auth/wechat", json={"code": "code-alice"}), 502, "wechat_error"
    )
    assert refused["errcode"] == 40125
    assert await _residents(database) == before


async def test_missing_configuration_is_503_without_calling_wechat(app, client, database, wechat) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    for missing in ({"app_id": None}, {"app_secret": None}):
        unconfigured = services.settings.wechat.model_copy(update=missing)
        services.settings = services.settings.model_copy(update={"wechat": unconfigured})
        answer = await client.post("/v1/auth/wechat", json={"code": "code-alice"})
        assert_problem(answer, 503, "wechat_not_configured")
        services.settings = services.settings.model_copy(
            update={
                "wechat": unconfigured.model_copy(
                    update={"app_id": APP_ID, "app_secret": SecretStr(APP_SECRET)}
                )
            }
        )
    assert wechat.requests == []
    assert (await client.post("/v1/auth/wechat", json={"code": ""})).status_code == 422
    assert (await client.post("/v1/auth/wechat", json={})).status_code == 422


async def test_sign_in_is_rate_limited_before_wechat_is_called(app, client, database, wechat) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    limits = services.settings.rate_limits.model_copy(update={"sign_in": 1})
    services.settings = services.settings.model_copy(update={"rate_limits": limits})
    await _sign_in(client, "code-alice")
    limited = await client.post("/v1/auth/wechat", json={"code": "code-alice-2"})
    assert_problem(limited, 429, "rate_limited")
    assert int(limited.headers["retry-after"]) >= 1
    assert [r["js_code"] for r in wechat.requests] == [["code-alice"]]
