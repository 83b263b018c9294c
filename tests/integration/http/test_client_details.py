"""Details a client developer trips over (issue 13): the status a mini-program logs out on, CSV that opens in
Excel, refused unknown query parameters, and merchants who never see residents' or accounts' ids."""

from __future__ import annotations

import codecs

from service.identity.principal import Role
from tests.integration.http.serving import assert_problem
from tests.integration.merchants.conftest import funded_resident, new_merchant


async def test_a_bad_link_token_is_422_not_a_sign_out(client) -> None:  # type: ignore[no-untyped-def]
    login = (await client.post("/v1/auth/dev", json={"phone": "13800000881"})).json()
    me = {"Authorization": f"Bearer {login['access_token']}"}
    response = await client.post("/v1/me/bindings", json={"token": "lt_not-a-real-token"}, headers=me)
    assert_problem(response, 422, "invalid_link_token")


async def test_csv_has_one_charset_and_a_bom_for_excel(client, bearer) -> None:  # type: ignore[no-untyped-def]
    for path, params, role in (
        ("/v1/city/reductions.csv", {"from": "2026-11-01", "to": "2026-11-30"}, Role.CITY),
        ("/v1/city/summary.csv", {}, Role.CITY),
        (
            "/v1/merchant/statements",
            {"from": "2026-11-01", "to": "2026-11-30", "format": "csv"},
            Role.MERCHANT,
        ),
    ):
        response = await client.get(path, params=params, headers=bearer(role, "1"))
        assert response.status_code in (200, 404), response.text
        if response.status_code == 404:
            continue
        assert response.headers["content-type"] == "text/csv; charset=utf-8", path
        assert response.content.startswith(codecs.BOM_UTF8), path


async def test_unknown_query_parameters_are_refused(client, bearer) -> None:  # type: ignore[no-untyped-def]
    city = bearer(Role.CITY, "1")
    params = {"from": "2026-11-01", "to": "2026-11-30", "methodology": "bus_trip"}
    response = await client.get("/v1/city/reductions", params=params, headers=city)
    problem = assert_problem(response, 422, "unknown_query_parameter")
    assert "methodology" in problem["detail"]
    assert (await client.get("/v1/methodologies", params={"page": "2"})).status_code == 422
    declared = {"from": "2026-11-01", "to": "2026-11-30", "group_by": "methodology"}
    assert (await client.get("/v1/city/reductions", params=declared, headers=city)).status_code == 200


async def test_a_merchant_sees_no_resident_or_account_id(client, database, settings, bearer) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        merchant = await new_merchant(session)
        resident = await funded_resident(session, settings, 20)
        await session.commit()
    me, till = bearer(Role.RESIDENT, str(resident)), bearer(Role.MERCHANT, str(merchant))
    code = (await client.post("/v1/me/paycodes", headers=me)).json()["paycode"]
    refused = await client.post(
        "/v1/merchant/charges", json={"paycode": code, "amount": 21, "idempotency_key": "k1"}, headers=till
    )
    charged = await client.post(
        "/v1/merchant/charges", json={"paycode": code, "amount": 20, "idempotency_key": "k2"}, headers=till
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "insufficient_funds")
    assert charged.status_code == 201
    for body in (refused.json(), charged.json()):
        assert "resident_id" not in body
        assert "account_id" not in body
    assert "account" not in refused.json()["detail"]
