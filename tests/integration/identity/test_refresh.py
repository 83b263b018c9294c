"""Refresh tokens: rotation, reuse detection that revokes the whole family, logout, hashed storage."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from service.db.engine import Database
from tests.conftest import make_settings
from tests.fixtures.databases import migrate, truncate_all
from tests.integration.http.serving import assert_problem, serving
from tests.integration.identity.test_dev_login import PHONE, dev_login, me


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/v1/auth/refresh", json={"refresh_token": token})


async def rotate(client: httpx.AsyncClient, token: str) -> dict[str, str]:
    response = await refresh(client, token)
    assert response.status_code == 200, response.text
    return response.json()


async def test_refresh_rotates_the_token(client: httpx.AsyncClient) -> None:
    first = await dev_login(client)
    second = await rotate(client, first["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"]
    assert second["token_type"] == "bearer"
    assert second["expires_in"] == 900
    assert (await me(client, second["access_token"])).json() == (
        await me(client, first["access_token"])
    ).json()
    third = await rotate(client, second["refresh_token"])  # the new one works, and rotates again
    assert third["refresh_token"] not in {first["refresh_token"], second["refresh_token"]}


async def test_reusing_a_spent_token_revokes_the_whole_family(client: httpx.AsyncClient) -> None:
    first = (await dev_login(client))["refresh_token"]
    second = (await rotate(client, first))["refresh_token"]
    newest = (await rotate(client, second))["refresh_token"]
    assert_problem(await refresh(client, first), 401, "refresh_token_reused")
    # Separate requests, separate sessions: the revocation was committed although the reuse failed.
    assert_problem(await refresh(client, newest), 401, "invalid_refresh_token")
    assert_problem(await refresh(client, second), 401, "invalid_refresh_token")


async def test_reuse_revokes_only_that_family(client: httpx.AsyncClient) -> None:
    phone_one = (await dev_login(client))["refresh_token"]
    other_device = (await dev_login(client))["refresh_token"]  # same resident, new family
    await rotate(client, phone_one)
    assert_problem(await refresh(client, phone_one), 401, "refresh_token_reused")
    assert (await refresh(client, other_device)).status_code == 200


async def test_logout_revokes_the_family(client: httpx.AsyncClient) -> None:
    first = (await dev_login(client))["refresh_token"]
    second = (await rotate(client, first))["refresh_token"]
    other_device = (await dev_login(client))["refresh_token"]
    response = await client.post("/v1/auth/logout", json={"refresh_token": second})
    assert response.status_code == 204
    assert_problem(await refresh(client, second), 401, "invalid_refresh_token")
    assert_problem(await refresh(client, first), 401, "invalid_refresh_token")
    assert (await refresh(client, other_device)).status_code == 200


async def test_logout_with_an_unknown_token_is_harmless(client: httpx.AsyncClient) -> None:
    live = (await dev_login(client))["refresh_token"]
    response = await client.post("/v1/auth/logout", json={"refresh_token": "rt_never-issued-token"})
    assert response.status_code == 204
    assert (await refresh(client, live)).status_code == 200


@pytest.mark.parametrize("token", ["rt_never-issued-token", "x" * 128])
async def test_unknown_refresh_token_is_401(client: httpx.AsyncClient, token: str) -> None:
    assert_problem(await refresh(client, token), 401, "invalid_refresh_token")


async def test_an_access_token_is_not_a_refresh_token(client: httpx.AsyncClient) -> None:
    access = (await dev_login(client))["access_token"]
    response = await client.post("/v1/auth/refresh", json={"refresh_token": access[:128]})
    assert_problem(response, 401, "invalid_refresh_token")


async def test_refresh_tokens_are_stored_hashed(client: httpx.AsyncClient, database: Database) -> None:
    first = (await dev_login(client))["refresh_token"]
    second = (await rotate(client, first))["refresh_token"]
    async with database.session() as session:
        rows = (await session.execute(sa.text("SELECT * FROM refresh_tokens"))).all()
    stored = " ".join(str(value) for row in rows for value in row)
    hashes = {row._mapping["token_hash"] for row in rows}
    for token in (first, second):
        assert token not in stored
        assert token.removeprefix("rt_") not in stored
        assert hashlib.sha256(token.encode()).hexdigest() in hashes


@pytest.fixture(params=["postgres", "sqlite"])
async def committed(
    request: pytest.FixtureRequest, tmp_path: Path, pg_url: str
) -> AsyncIterator[tuple[Database, str | None]]:
    """A database whose commits are real (no outer transaction), with the URL settings should name."""
    if request.param == "postgres":
        url, settings_url = pg_url, pg_url
    else:  # a fresh file: the session's SQLite database is shared by rolled-back tests
        url, settings_url = f"sqlite+aiosqlite:///{tmp_path / 'committed.db'}", None
        await migrate(url)
    database = Database.from_url(url)
    try:
        yield database, settings_url
    finally:
        await truncate_all(database.engine)
        await database.dispose()


async def test_family_revocation_survives_a_real_commit(
    committed: tuple[Database, str | None], tmp_path: Path
) -> None:
    database, url = committed
    settings = make_settings(tmp_path, url)
    async with serving(settings, database) as client:
        first = (await dev_login(client, PHONE))["refresh_token"]
        newest = (await rotate(client, first))["refresh_token"]
        assert_problem(await refresh(client, first), 401, "refresh_token_reused")
    # A different connection, after the app is gone: the revocation is in the database.
    async with database.session() as session:
        revoked = (await session.execute(sa.text("SELECT revoked_at FROM refresh_tokens"))).scalars().all()
    assert len(revoked) == 2
    assert None not in revoked
    async with serving(settings, database) as client:
        assert_problem(await refresh(client, newest), 401, "invalid_refresh_token")


async def test_concurrent_refreshes_of_one_token_let_exactly_one_through(
    committed: tuple[Database, str | None], tmp_path: Path
) -> None:
    database, url = committed
    async with serving(make_settings(tmp_path, url), database) as client:
        token = (await dev_login(client, PHONE))["refresh_token"]
        responses = await asyncio.gather(*(refresh(client, token) for _ in range(10)))
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [200] + [401] * 9
        codes = [response.json()["code"] for response in responses if response.status_code == 401]
        # The first loser finds the token spent; later ones may find the family already revoked.
        assert "refresh_token_reused" in codes
        assert set(codes) <= {"refresh_token_reused", "invalid_refresh_token"}
        # The racers' reuse revoked the family, including the token the winner received.
        winner = next(response.json() for response in responses if response.status_code == 200)
        assert_problem(await refresh(client, winner["refresh_token"]), 401, "invalid_refresh_token")
