"""The dev identity provider, access tokens and ``GET /v1/me``."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

import httpx
import jwt
import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from service.db.base import utcnow
from service.db.engine import Database
from service.identity.principal import Principal, Role
from service.identity.tokens import TokenService
from service.settings import Settings
from tests.integration.http.serving import assert_problem, row_counts, serving

PHONE = "13800138000"


def with_auth(settings: Settings, **changes: Any) -> Settings:
    return settings.model_copy(update={"auth": settings.auth.model_copy(update=changes)})


async def dev_login(client: httpx.AsyncClient, phone: str = PHONE) -> dict[str, Any]:
    response = await client.post("/v1/auth/dev", json={"phone": phone})
    assert response.status_code == 200, response.text
    return response.json()


async def me(client: httpx.AsyncClient, access_token: str) -> httpx.Response:
    return await client.get("/v1/me", headers={"Authorization": f"Bearer {access_token}"})


async def test_dev_login_returns_a_bearer_token_pair(client: httpx.AsyncClient, settings: Settings) -> None:
    body = await dev_login(client)
    assert body.keys() == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert body["refresh_token"] != body["access_token"]
    header = jwt.get_unverified_header(body["access_token"])
    assert header["kid"] == settings.auth.active_kid == "t1"
    assert header["alg"] == "HS256"
    secret = settings.auth.jwt_keys["t1"].get_secret_value()
    claims = jwt.decode(body["access_token"], secret, algorithms=["HS256"], issuer="tanbi")
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert abs(claims["iat"] - utcnow().timestamp()) < 120
    assert claims["role"] == "resident"


async def test_me_returns_the_signed_in_resident(client: httpx.AsyncClient) -> None:
    body = await dev_login(client)
    response = await me(client, body["access_token"])
    assert response.status_code == 200
    resident = response.json()
    assert resident["role"] == "resident"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert resident["id"] == int(claims["sub"])
    assert PHONE not in response.text


async def _resident_id(client: httpx.AsyncClient, phone: str) -> int:
    return (await me(client, (await dev_login(client, phone))["access_token"])).json()["id"]


async def test_same_phone_is_one_resident(client: httpx.AsyncClient, database: Database) -> None:
    before = (await row_counts(database))["residents"]
    first = await _resident_id(client, PHONE)
    spellings = [PHONE, f"+86{PHONE}", "+86 138 0013 8000", "138-0013-8000", " 13800138000 "]
    assert {await _resident_id(client, phone) for phone in spellings} == {first}
    other = await _resident_id(client, "13900139000")
    assert other != first
    assert (await row_counts(database))["residents"] == before + 2


async def test_phone_is_stored_only_as_a_keyed_hash(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    resident_id = await _resident_id(client, f"+86{PHONE}")
    async with database.session() as session:
        row = (
            await session.execute(sa.text("SELECT * FROM residents WHERE id = :id"), {"id": resident_id})
        ).one()
    stored = " ".join(str(value) for value in row)
    assert PHONE not in stored
    assert hash_key(settings) not in stored
    expected = hmac.new(hash_key(settings).encode(), PHONE.encode(), hashlib.sha256).hexdigest()
    assert row._mapping["phone_hash"] == expected


def hash_key(settings: Settings) -> str:
    assert settings.auth.hash_key is not None
    return settings.auth.hash_key.get_secret_value()


async def test_invalid_phone_is_422_and_creates_nothing(
    client: httpx.AsyncClient, database: Database
) -> None:
    before = await row_counts(database)
    for phone in ("12ab345678", "++8613800138000", "12345", "1" * 16):
        assert_problem(await client.post("/v1/auth/dev", json={"phone": phone}), 422)
    assert await row_counts(database) == before


async def test_me_without_a_token_is_401_missing_token(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/v1/me"), 401, "missing_token")
    headers = {"Authorization": "Basic dXNlcjpwYXNz"}
    assert_problem(await client.get("/v1/me", headers=headers), 401, "missing_token")


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "", "eyJhbGciOiJub25lIn0.e30."])
async def test_me_with_a_garbage_token_is_401_invalid_token(client: httpx.AsyncClient, token: str) -> None:
    assert_problem(await me(client, token), 401, "invalid_token")


async def test_me_with_an_expired_token_is_401_token_expired(
    client: httpx.AsyncClient, tokens: TokenService
) -> None:
    subject = (await client.get("/v1/me", headers=await _auth(client))).json()["id"]
    issued = utcnow() - dt.timedelta(minutes=16)
    expired = tokens.issue_access(Principal(str(subject), Role.RESIDENT), issued)
    assert_problem(await me(client, expired), 401, "token_expired")


async def _auth(client: httpx.AsyncClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {(await dev_login(client))['access_token']}"}


async def test_token_with_an_unknown_kid_is_401(client: httpx.AsyncClient, settings: Settings) -> None:
    secret = settings.auth.jwt_keys["t1"].get_secret_value()
    claims = {"iss": "tanbi", "sub": "1", "role": "resident", "iat": int(utcnow().timestamp())}
    claims["exp"] = claims["iat"] + 600
    for kid in ("t0", "unknown"):
        forged = jwt.encode(claims, secret, algorithm="HS256", headers={"kid": kid})
        assert_problem(await me(client, forged), 401, "invalid_token")
    no_kid = jwt.encode(claims, secret, algorithm="HS256")
    assert_problem(await me(client, no_kid), 401, "invalid_token")


async def test_token_signed_with_another_key_under_a_known_kid_is_401(client: httpx.AsyncClient) -> None:
    claims = {"iss": "tanbi", "sub": "1", "role": "city", "iat": int(utcnow().timestamp())}
    claims["exp"] = claims["iat"] + 600
    forged = jwt.encode(claims, "not-the-key-" + "y" * 32, algorithm="HS256", headers={"kid": "t1"})
    assert_problem(await client.get("/v1/ledger/verify", headers={"Authorization": f"Bearer {forged}"}), 401)


async def test_rotated_out_key_still_verifies(settings: Settings, database: Database) -> None:
    old, new = SecretStr("old-signing-key-" + "o" * 32), SecretStr("new-signing-key-" + "n" * 32)
    rotated = with_auth(settings, jwt_keys={"k-old": old, "k-new": new}, active_kid="k-new")
    before_rotation = TokenService(with_auth(rotated, active_kid="k-old").auth)
    async with serving(rotated, database) as client:
        fresh = await dev_login(client)
        assert jwt.get_unverified_header(fresh["access_token"])["kid"] == "k-new"
        resident_id = (await me(client, fresh["access_token"])).json()["id"]
        legacy = before_rotation.issue_access(Principal(str(resident_id), Role.RESIDENT), utcnow())
        assert jwt.get_unverified_header(legacy)["kid"] == "k-old"
        response = await me(client, legacy)
    assert response.status_code == 200
    assert response.json()["id"] == resident_id


async def test_key_removed_from_settings_no_longer_verifies(settings: Settings, database: Database) -> None:
    old = TokenService(settings.auth).issue_access(Principal("1", Role.RESIDENT), utcnow())
    only_new = with_auth(settings, jwt_keys={"t2": SecretStr("t2-key-" + "z" * 32)}, active_kid="t2")
    async with serving(only_new, database) as client:
        assert_problem(await me(client, old), 401, "invalid_token")


@pytest.mark.parametrize(
    "variant",
    ["dev_login off", "production default"],
)
async def test_dev_login_disabled_is_404_and_creates_nothing(
    settings: Settings, database: Database, pg_url: str, variant: str
) -> None:
    if variant == "dev_login off":
        disabled = with_auth(settings, dev_login=False)
    else:  # a database URL given means production: the dev provider is off unless asked for
        disabled = with_auth(settings.model_copy(update={"database_url": pg_url}), dev_login=None)
    assert not disabled.dev_login_enabled
    before = await row_counts(database)
    async with serving(disabled, database) as client:
        assert_problem(await client.post("/v1/auth/dev", json={"phone": PHONE}), 404, "not_found")
        # Whatever the body: the route does not exist, so it is not parsed either.
        assert_problem(await client.post("/v1/auth/dev", json={"bogus": 1}), 404, "not_found")
    assert await row_counts(database) == before


async def test_dev_login_is_on_by_default_in_the_embedded_mode(
    settings: Settings, database: Database
) -> None:
    embedded = with_auth(settings.model_copy(update={"database_url": None}), dev_login=None)
    assert embedded.embedded
    async with serving(embedded, database) as client:
        assert (await client.post("/v1/auth/dev", json={"phone": PHONE})).status_code == 200
