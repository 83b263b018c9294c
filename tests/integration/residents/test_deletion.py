"""DELETE /v1/me on both dialects: the person is erased, the books stay balanced under the anonymous id."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from service.actions.models import Action
from service.identity.models import RefreshToken, Resident
from service.identity.principal import Role
from service.identity.service import IdentityService
from service.identity.wechat import WechatIdentity
from service.ledger.verify import verify_ledger
from service.merchants.models import PayCode, Voucher
from service.partners.models import Binding
from tests.integration.actions.conftest import NOW, actions_for, bus
from tests.integration.http.serving import assert_problem
from tests.integration.merchants.conftest import approved_offer, balance, new_merchant

PHONE = "13900000799"


async def _sign_in(client, phone: str) -> tuple[dict[str, str], str]:  # type: ignore[no-untyped-def]
    pair = (await client.post("/v1/auth/dev", json={"phone": phone})).json()
    return {"Authorization": f"Bearer {pair['access_token']}"}, pair["refresh_token"]


async def test_deleting_the_account_erases_the_person_and_keeps_the_books(
    app, client, database, settings, registry, partner, bearer
) -> None:  # type: ignore[no-untyped-def]
    me, refresh = await _sign_in(client, PHONE)
    _, other_refresh = await _sign_in(client, PHONE)  # a second device: another token family
    resident = (await client.get("/v1/me", headers=me)).json()["id"]
    async with database.session() as session:
        service = actions_for(session, settings, registry, clock=lambda: NOW)
        for n in range(2):
            start = NOW - dt.timedelta(days=n, hours=3)
            await service.record_action(resident, "bus_trip", bus(start), None, f"del:{n}")
        merchant = await new_merchant(session)
        offer = await approved_offer(session, merchant, price=10)
    link = (await partner.post(client, "/link-tokens", {"subject": "card-del"})).json()["token"]
    bound = await client.post("/v1/me/bindings", json={"token": link}, headers=me)
    assert bound.status_code == 201, bound.text
    voucher = (await client.post("/v1/me/vouchers", json={"offer_id": offer}, headers=me)).json()
    assert voucher["status"] == "held"
    paycode = (await client.post("/v1/me/paycodes", headers=me)).json()["paycode"]

    deleted = await client.delete("/v1/me", headers=me)
    assert deleted.status_code == 204, deleted.text

    async with database.session() as session:
        row = await session.get(Resident, resident)
        assert row is not None
        assert (row.phone_hash, row.openid_hash, row.unionid_hash, row.display_name) == (None,) * 4
        assert row.deleted_at is not None
        bindings = (await session.scalars(sa.select(Binding).where(Binding.resident_id == resident))).all()
        assert [b.unbound_at is not None for b in bindings] == [True]
        tokens = (
            await session.scalars(sa.select(RefreshToken).where(RefreshToken.subject == str(resident)))
        ).all()
        assert len(tokens) == 2
        assert all(t.revoked_at is not None for t in tokens)
        assert await session.scalar(sa.select(sa.func.count()).where(PayCode.resident_id == resident)) == 0
        kept = await session.get(Voucher, voucher["id"])
        assert kept is not None
        assert (kept.status, kept.resident_id) == ("held", resident)  # vouchers are left as they are
        # the books: same account, same actions, coins and the voucher's hold, all under the same id
        assert await balance(session, f"wallet:{resident}") == (26, 10)
        actions = await session.scalar(sa.select(sa.func.count()).where(Action.resident_id == resident))
        assert actions == 2
        assert (await verify_ledger(session)).ok

    for method, path in (("GET", "/v1/me/wallet"), ("GET", "/v1/me"), ("DELETE", "/v1/me")):
        assert_problem(await client.request(method, path, headers=me), 401, "account_deleted")
    for spent in (refresh, other_refresh):
        again = await client.post("/v1/auth/refresh", json={"refresh_token": spent})
        assert_problem(again, 401, "invalid_refresh_token")
    till = bearer(Role.MERCHANT, str(merchant))
    charge = {"paycode": paycode, "amount": 1, "idempotency_key": "after-deletion"}
    assert_problem(
        await client.post("/v1/merchant/charges", json=charge, headers=till), 404, "paycode_unknown"
    )

    # the same phone signs in as somebody new, with nothing of the old account
    new_me, _ = await _sign_in(client, PHONE)
    new_id = (await client.get("/v1/me", headers=new_me)).json()["id"]
    assert new_id != resident
    fresh = (await client.get("/v1/me/wallet", headers=new_me)).json()
    assert (fresh["available"], fresh["held"], fresh["lots"]) == (0, 0, [])
    assert (await client.get("/v1/me/actions", headers=new_me)).json()["items"] == []
    assert (await client.get("/v1/me/bindings", headers=new_me)).json() == []
    async with database.session() as session:
        assert (await session.get(Resident, resident)).phone_hash is None  # type: ignore[union-attr]


async def test_a_wechat_user_who_deleted_the_account_comes_back_as_someone_new(
    app, client, database, bearer
) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    wechat = WechatIdentity(openid="o-deleted-1", unionid="u-deleted-1")
    async with database.session() as session:
        first, _ = await IdentityService(session, services.tokens, services.hash_key).wechat_login(wechat)
        assert first.openid_hash is not None
        assert first.unionid_hash is not None
        first_id = first.id
    me = bearer(Role.RESIDENT, str(first_id))
    assert (await client.delete("/v1/me", headers=me)).status_code == 204
    async with database.session() as session:
        row = await session.get(Resident, first_id, populate_existing=True)
        assert row is not None
        assert (row.openid_hash, row.unionid_hash) == (None, None)
        again, _ = await IdentityService(session, services.tokens, services.hash_key).wechat_login(wechat)
        assert again.id != first_id
    assert_problem(await client.get("/v1/me/impact", headers=me), 401, "account_deleted")
