"""A merchant's till stays signed in with rotating refresh tokens, and a rotated key ends every session
(issue 15 part 6)."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from service.audit.models import AuditEntry
from service.identity.city_users import add_city_user
from service.identity.principal import Principal, Role
from service.identity.tokens import TokenService
from service.merchants.admin import add_merchant, rotate_key
from tests.integration.http.serving import assert_problem


async def _trade(client: httpx.AsyncClient, key: str) -> httpx.Response:
    return await client.post("/v1/auth/api-key", json={"api_key": key})


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/v1/auth/refresh", json={"refresh_token": token})


async def test_a_till_refreshes_and_a_spent_token_ends_its_session(
    client, database, tokens: TokenService
) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        merchant, key = await add_merchant(session, "Tea House")
        _, city_key = await add_city_user(session, "Planner", "city")
        await session.commit()
    first = (await _trade(client, key)).json()
    assert first["refresh_token"].startswith("rt_")
    assert (await _trade(client, city_key)).json()["refresh_token"] is None  # city users trade their key

    second = await _refresh(client, first["refresh_token"])
    assert second.status_code == 200, second.text
    pair = second.json()
    assert tokens.verify_access(pair["access_token"]) == Principal(str(merchant), Role.MERCHANT)
    offers = await client.get(
        "/v1/merchant/offers", headers={"Authorization": f"Bearer {pair['access_token']}"}
    )
    assert offers.status_code == 200, offers.text

    # The spent token came back (copied from the till): this session's tokens are all revoked ...
    assert_problem(await _refresh(client, first["refresh_token"]), 401, "refresh_token_reused")
    assert_problem(await _refresh(client, pair["refresh_token"]), 401, "invalid_refresh_token")
    # ... and another till's session with the same key is not.
    other = (await _trade(client, key)).json()
    assert (await _refresh(client, other["refresh_token"])).status_code == 200


async def test_a_rotated_key_refuses_the_old_key_and_every_till_session(client, database) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        merchant, old = await add_merchant(session, "Tea House")
        _, bystander_key = await add_merchant(session, "Noodle Bar")
        await session.commit()
    till = (await _trade(client, old)).json()
    bystander = (await _trade(client, bystander_key)).json()
    async with database.session() as session:
        same_id, new = await rotate_key(session, "Tea House")
        await session.commit()
    assert same_id == merchant
    assert new.startswith("mk_")
    assert new != old
    assert_problem(await _trade(client, old), 401, "invalid_api_key")
    assert_problem(await _refresh(client, till["refresh_token"]), 401, "invalid_refresh_token")
    assert (await _trade(client, new)).status_code == 200
    assert (await _refresh(client, bystander["refresh_token"])).status_code == 200
    async with database.session() as session:
        actions = (
            await session.scalars(
                sa.select(AuditEntry.action)
                .where(AuditEntry.target == f"merchant:{merchant}")
                .order_by(AuditEntry.id)
            )
        ).all()
        assert actions == ["merchant.add", "merchant.rotate_key"]
        _, by_id = await rotate_key(session, str(merchant))
        await session.commit()
    assert (await _trade(client, by_id)).status_code == 200
    assert_problem(await _trade(client, new), 401, "invalid_api_key")
