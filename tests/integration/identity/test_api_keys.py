"""Merchant (``mk_``) and city (``ck_``) API keys: made by the operator, traded for access tokens that pass
the role guards (both dialects)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from service.audit.models import AuditEntry
from service.errors import Conflict, Invalid
from service.identity.city_users import add_city_user
from service.identity.models import CityUser
from service.identity.principal import Principal, Role
from service.identity.tokens import TokenService, hash_token
from service.merchants.admin import add_merchant
from service.merchants.models import Merchant
from tests.integration.http.serving import assert_problem


async def _trade(client: httpx.AsyncClient, api_key: str) -> dict[str, Any]:
    answer = await client.post("/v1/auth/api-key", json={"api_key": api_key})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _bearer(token: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token['access_token']}"}


async def test_a_merchant_key_is_stored_hashed_audited_and_traded_for_a_merchant_token(  # type: ignore[no-untyped-def]
    client, database, tokens: TokenService
) -> None:
    async with database.session() as session:
        merchant_id, key = await add_merchant(session, "Tea House")
        await session.commit()
    assert key.startswith("mk_")
    assert len(key) > 40
    async with database.session() as session:
        merchant = await session.get(Merchant, merchant_id)
        assert merchant.api_key_hash == hash_token(key)  # only the SHA-256 is kept
        entry = await session.scalar(
            sa.select(AuditEntry).where(AuditEntry.target == f"merchant:{merchant_id}")
        )
        assert (entry.actor, entry.action, entry.details) == (
            "operator:cli",
            "merchant.add",
            {"name": "Tea House"},
        )
    token = await _trade(client, key)
    assert token.keys() == {"access_token", "refresh_token", "token_type", "expires_in"}  # a till refreshes
    assert (token["token_type"], token["expires_in"]) == ("bearer", 900)
    assert tokens.verify_access(token["access_token"]) == Principal(str(merchant_id), Role.MERCHANT)
    # It passes requires(Role.MERCHANT) and is refused by routes of other roles.
    offers = await client.get("/v1/merchant/offers", headers=_bearer(token))
    assert offers.status_code == 200, offers.text
    assert_problem(await client.get("/v1/me", headers=_bearer(token)), 403, "wrong_role")
    assert_problem(await client.get("/v1/city/offers", headers=_bearer(token)), 403, "wrong_role")


async def test_a_city_key_publishes_parameters_and_an_auditor_key_only_reads(  # type: ignore[no-untyped-def]
    client, database, tokens: TokenService
) -> None:
    async with database.session() as session:
        city_id, city_key = await add_city_user(session, "Planner", "city")
        auditor_id, auditor_key = await add_city_user(session, "Checker", "auditor")
        await session.commit()
    assert city_key.startswith("ck_")
    assert auditor_key.startswith("ck_")
    async with database.session() as session:
        stored = {u.id: (u.role, u.api_key_hash) for u in (await session.scalars(sa.select(CityUser))).all()}
    assert stored[city_id] == ("city", hash_token(city_key))
    assert stored[auditor_id] == ("auditor", hash_token(auditor_key))
    city, auditor = await _trade(client, city_key), await _trade(client, auditor_key)
    assert tokens.verify_access(city["access_token"]) == Principal(str(city_id), Role.CITY)
    assert tokens.verify_access(auditor["access_token"]) == Principal(str(auditor_id), Role.AUDITOR)

    body = {
        "overrides": {"grid_consumed_g_per_kwh": "531.0"},
        "reason": "regional factor published",
        "effective_from": (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat(),
    }
    route = "/v1/methodologies/ev_charging/parameter-versions"
    assert_problem(await client.post(route, json=body, headers=_bearer(auditor)), 403, "wrong_role")
    published = await client.post(route, json=body, headers=_bearer(city))
    assert published.status_code == 201, published.text
    assert published.json()["created_by"] == f"city:{city_id}"
    assert (await client.get("/v1/ledger/verify", headers=_bearer(auditor))).status_code == 200


async def test_unknown_and_misprefixed_keys_are_refused(client, database) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        _, merchant_key = await add_merchant(session, "Bakery")
        _, city_key = await add_city_user(session, "Planner", "city")
        await session.commit()
    secret_part = merchant_key.removeprefix("mk_")
    for wrong in (
        "mk_" + "A" * 43,  # well-formed, unknown
        "ck_" + secret_part,  # a merchant's key passed off as a city key
        "mk_" + city_key.removeprefix("ck_"),  # and the other way round
        secret_part,  # no prefix
        merchant_key + "x",
    ):
        answer = await client.post("/v1/auth/api-key", json={"api_key": wrong})
        assert_problem(answer, 401, "invalid_api_key")
        assert "access_token" not in answer.text
    assert (await client.post("/v1/auth/api-key", json={"api_key": "short"})).status_code == 422
    assert (await client.post("/v1/auth/api-key", json={})).status_code == 422


async def test_names_are_unique_and_roles_are_checked(database) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        await add_merchant(session, "Tea House")
        await add_city_user(session, "Planner", "auditor")
        with pytest.raises(Conflict) as merchant_exists:
            await add_merchant(session, "Tea House")
        with pytest.raises(Conflict) as city_user_exists:
            await add_city_user(session, "Planner", "city")
        with pytest.raises(Invalid) as bad_role:
            await add_city_user(session, "Cashier", "merchant")
        assert (merchant_exists.value.code, merchant_exists.value.status) == ("merchant_exists", 409)
        assert (city_user_exists.value.code, city_user_exists.value.status) == ("city_user_exists", 409)
        assert bad_role.value.code == "invalid_role"
        assert await session.scalar(sa.select(sa.func.count()).select_from(Merchant)) == 1
        assert await session.scalar(sa.select(sa.func.count()).select_from(CityUser)) == 1


async def test_key_trades_are_rate_limited_per_ip(app, client, database) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        _, key = await add_merchant(session, "Tea House")
        await session.commit()
    services = app.state.services
    limits = services.settings.rate_limits.model_copy(update={"sign_in": 2})
    services.settings = services.settings.model_copy(update={"rate_limits": limits})
    await _trade(client, key)
    assert_problem(await client.post("/v1/auth/api-key", json={"api_key": "mk_" + "A" * 43}), 401)
    limited = await client.post("/v1/auth/api-key", json={"api_key": key})
    assert_problem(limited, 429, "rate_limited")
    assert int(limited.headers["retry-after"]) >= 1
