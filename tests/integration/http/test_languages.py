"""Problems speak the request's language: Chinese by default, English on ``Accept-Language: en``; and say
which (``Content-Language``, ``Vary: Accept-Language``). On both databases."""

from __future__ import annotations

import httpx

from service.identity.principal import Role
from tests.integration.actions.conftest import new_resident
from tests.integration.http.serving import assert_problem


def _says(response: httpx.Response, tag: str) -> None:
    assert response.headers["content-language"] == tag
    assert "accept-language" in response.headers["vary"].lower()


async def test_a_domain_problem_in_chinese_by_default_and_english_on_request(  # type: ignore[no-untyped-def]
    client, database, bearer
) -> None:
    async with database.session() as session:
        resident = await new_resident(session, "13900000901")
    me = bearer(Role.RESIDENT, str(resident))
    zh = await client.get("/v1/me/actions/987654", headers=me)
    en = await client.get("/v1/me/actions/987654", headers=me | {"Accept-Language": "en-US,en;q=0.9"})
    preferred = await client.get(
        "/v1/me/actions/987654", headers=me | {"Accept-Language": "en;q=0.4, zh-CN;q=0.8"}
    )
    assert assert_problem(zh, 404, "action_not_found")["detail"] == "该减排行为不存在"
    assert assert_problem(en, 404, "action_not_found")["detail"] == "action 987654 does not exist"
    assert assert_problem(preferred, 404, "action_not_found")["detail"] == "该减排行为不存在"
    _says(zh, "zh-CN")
    _says(en, "en")
    _says(preferred, "zh-CN")


async def test_litestars_own_problems_and_extra_fields_are_translated(client) -> None:  # type: ignore[no-untyped-def]
    missing = await client.get("/v1/no-such-route")
    assert assert_problem(missing, 404, "not_found")["detail"] == "请求的资源不存在"
    _says(missing, "zh-CN")
    invalid = await client.post("/v1/auth/dev", json={"phone": "13800138000", "role": "city"})
    body = assert_problem(invalid, 422, "validation_error")
    assert body["detail"].startswith("请求参数无效：role")
    english = await client.post(
        "/v1/auth/dev", json={"phone": "13800138000", "role": "city"}, headers={"Accept-Language": "en"}
    )
    assert assert_problem(english, 422, "validation_error")["detail"].startswith("role")
    _says(english, "en")
    unknown = await client.get("/v1/methodologies", params={"page": "2"})
    assert assert_problem(unknown, 422, "unknown_query_parameter")["detail"] == "此接口不接受查询参数 page"
    assert unknown.json()["unknown"] == ["page"]
