"""Pay-codes over HTTP on both dialects: single use, idempotent charges, distinct refusals, refunds."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from service.identity.principal import Role
from service.ledger.verify import verify_ledger
from service.merchants.models import Charge, PayCode
from tests.integration.merchants.conftest import balance, funded_resident, new_merchant


async def _setup(database, settings, coins: int = 100) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        merchant = await new_merchant(session)
        resident = await funded_resident(session, settings, coins)
        await session.commit()
    return merchant, resident


async def test_a_charge_moves_coins_once_and_a_retry_returns_it(client, database, settings, bearer) -> None:  # type: ignore[no-untyped-def]
    merchant, resident = await _setup(database, settings)
    me, till = bearer(Role.RESIDENT, str(resident)), bearer(Role.MERCHANT, str(merchant))
    code = (await client.post("/v1/me/paycodes", headers=me)).json()
    assert code["paycode"].startswith("pc_")
    body = {"paycode": code["paycode"], "amount": 30, "idempotency_key": "till-1:0001"}
    first = await client.post("/v1/merchant/charges", json=body, headers=till)
    assert first.status_code == 201, first.text
    again = await client.post("/v1/merchant/charges", json=body, headers=till)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["replayed"] is True
    other_amount = await client.post("/v1/merchant/charges", json=body | {"amount": 31}, headers=till)
    assert (other_amount.status_code, other_amount.json()["code"]) == (409, "idempotency_conflict")
    reused = await client.post(
        "/v1/merchant/charges", json=body | {"idempotency_key": "till-1:0002"}, headers=till
    )
    assert (reused.status_code, reused.json()["code"]) == (409, "paycode_used")
    async with database.session() as session:
        assert await balance(session, f"wallet:{resident}") == (70, 0)
        assert await balance(session, f"merchant:{merchant}") == (30, 0)
        assert await session.scalar(sa.select(sa.func.count()).select_from(Charge)) == 1
        assert (await verify_ledger(session)).ok


async def test_refusals_have_distinct_codes_and_change_nothing(client, database, settings, bearer) -> None:  # type: ignore[no-untyped-def]
    merchant, resident = await _setup(database, settings, coins=20)
    me, till = bearer(Role.RESIDENT, str(resident)), bearer(Role.MERCHANT, str(merchant))
    unknown = await client.post(
        "/v1/merchant/charges",
        json={"paycode": "pc_nope", "amount": 5, "idempotency_key": "k1"},
        headers=till,
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "paycode_unknown")
    code = (await client.post("/v1/me/paycodes", headers=me)).json()["paycode"]
    too_much = await client.post(
        "/v1/merchant/charges", json={"paycode": code, "amount": 21, "idempotency_key": "k2"}, headers=till
    )
    assert (too_much.status_code, too_much.json()["code"]) == (409, "insufficient_funds")
    # The refused charge rolled back: the same code still pays.
    ok = await client.post(
        "/v1/merchant/charges", json={"paycode": code, "amount": 20, "idempotency_key": "k3"}, headers=till
    )
    assert ok.status_code == 201
    expired = (await client.post("/v1/me/paycodes", headers=me)).json()["paycode"]
    async with database.session() as session:
        await session.execute(
            sa.update(PayCode)
            .where(PayCode.used_at.is_(None))
            .values(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        )
        await session.commit()
    late = await client.post(
        "/v1/merchant/charges", json={"paycode": expired, "amount": 1, "idempotency_key": "k4"}, headers=till
    )
    assert (late.status_code, late.json()["code"]) == (409, "paycode_expired")
    bad = await client.post(
        "/v1/merchant/charges", json={"paycode": code, "amount": 0, "idempotency_key": "k5"}, headers=till
    )
    assert bad.status_code == 422
    as_resident = await client.post(
        "/v1/merchant/charges", json={"paycode": code, "amount": 1, "idempotency_key": "k6"}, headers=me
    )
    assert (as_resident.status_code, as_resident.json()["code"]) == (403, "wrong_role")
    async with database.session() as session:
        assert await balance(session, f"wallet:{resident}") == (0, 0)
        assert await balance(session, f"merchant:{merchant}") == (20, 0)


async def test_a_refund_returns_the_coins_once(client, database, settings, bearer) -> None:  # type: ignore[no-untyped-def]
    merchant, resident = await _setup(database, settings)
    me, till = bearer(Role.RESIDENT, str(resident)), bearer(Role.MERCHANT, str(merchant))
    code = (await client.post("/v1/me/paycodes", headers=me)).json()["paycode"]
    charged = (
        await client.post(
            "/v1/merchant/charges",
            json={"paycode": code, "amount": 40, "idempotency_key": "r1"},
            headers=till,
        )
    ).json()
    first = await client.post(f"/v1/merchant/charges/{charged['id']}/refund", headers=till)
    second = await client.post(f"/v1/merchant/charges/{charged['id']}/refund", headers=till)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    other = bearer(Role.MERCHANT, str(merchant + 1000))
    foreign = await client.post(f"/v1/merchant/charges/{charged['id']}/refund", headers=other)
    assert (foreign.status_code, foreign.json()["code"]) == (404, "charge_not_found")
    async with database.session() as session:
        assert await balance(session, f"wallet:{resident}") == (100, 0)
        assert await balance(session, f"merchant:{merchant}") == (0, 0)
        assert (await verify_ledger(session)).ok
