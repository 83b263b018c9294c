"""Residents reach only their own data, and a deleted account's token reaches nothing.

Routes are found by walking the built app (like tests/integration/identity/test_role_guards.py), so a
route added later is held to the same rules without editing this file, or fails here until it is told
which id or body to use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa
from litestar import Litestar
from litestar.routes import HTTPRoute

from service.actions.models import Action
from service.identity.guards import Requires
from service.identity.principal import Role
from tests.integration.actions.conftest import PV_SYSTEM
from tests.integration.merchants.conftest import approved_offer, funded_resident, new_merchant
from tests.integration.residents.conftest import resident_with_trips


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # the template, e.g. /v1/me/actions/{action_id:int}

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


PATH_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
# Path parameters that name no row anyone owns (``/v1/me/reports/{year}``): the caller's own data.
NOT_IDS = {"year": 2026}
READS = ("/v1/me", "/v1/me/wallet", "/v1/me/actions", "/v1/me/transfers", "/v1/me/impact")
LISTS = ("/v1/me/bindings", "/v1/me/vouchers")

# Bodies that get a resident route past validation, so the refusal under test is what answers.
BODIES: dict[str, Any] = {
    "POST /v1/me/bindings": {"token": "lt_not-a-real-token"},
    "POST /v1/me/vouchers": {"offer_id": 1},
    "POST /v1/me/donations": {"project_id": 1, "coins": 1},
    "POST /v1/me/assets": {"kind": "pv_system", "ref": "PV-GONE", "attributes": PV_SYSTEM},
    "POST /v1/me/notifications/subscriptions": {"template": "tmpl-any", "code": "code-any"},
    "POST /v1/me/attestations": {"audience": "a bank", "level": True},
}

# Resident routes outside service/residents and MeController that do not answer a deleted account's
# token with 401 account_deleted (they are in other slices' files). Remove a route from here once it
# does; a route added later must refuse from the start.
NOT_YET_REFUSING: set[str] = set()  # every resident route refuses a deleted account's token


def _resident_routes(app: Litestar) -> list[Route]:
    """Every (method, path template) whose ``Requires`` guards let a resident token through."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            guards = [getattr(guard, "func", guard) for guard in handler.resolve_guards()]
            requires = [guard for guard in guards if isinstance(guard, Requires)]
            if requires and all(Role.RESIDENT in guard.roles for guard in requires):
                found += [Route(m, route.path) for m in sorted(handler.http_methods - {"OPTIONS", "HEAD"})]
    return found


def _fill(template: str, value: Any) -> str:
    return PATH_PARAM.sub(lambda match: str(value(match.group(1))), template)


def _ids(route: Route, ids: dict[str, int]) -> str:
    names = PATH_PARAM.findall(route.path)
    unknown = [name for name in names if name not in ids | NOT_IDS]
    assert not unknown, f"{route}: tell this test which of resident A's ids to use for {unknown}"
    return _fill(route.path, lambda name: (ids | NOT_IDS)[name])


async def _call(client: httpx.AsyncClient, route: Route, url: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    body = BODIES.get(str(route), {} if route.method in {"POST", "PUT", "PATCH"} else None)
    return await client.request(route.method, url, headers=headers, json=body)


async def _views(client: httpx.AsyncClient, headers: dict[str, str], ids: dict[str, int]) -> dict[str, Any]:
    paths = [*READS, *LISTS, f"/v1/me/actions/{ids['action_id']}"]
    return {path: (await client.get(path, headers=headers)).json() for path in paths}


async def test_every_id_route_under_me_answers_another_residents_ids_like_missing_ones(
    app, client, database, settings, registry, partner, bearer
) -> None:  # type: ignore[no-untyped-def]
    owner, recorded = await resident_with_trips(database, settings, registry, "13900000740")
    async with database.session() as session:
        intruder = await funded_resident(session, settings, 100, tag="intruder")
        offer = await approved_offer(session, await new_merchant(session), price=10, stock=5, limit=5)
        missing = (await session.scalar(sa.select(sa.func.max(Action.id)))) + 10_000
    alice, bob = bearer(Role.RESIDENT, str(owner)), bearer(Role.RESIDENT, str(intruder))
    link = (await partner.post(client, "/link-tokens", {"subject": "card-alice"})).json()["token"]
    binding = (await client.post("/v1/me/bindings", json={"token": link}, headers=alice)).json()
    voucher = (await client.post("/v1/me/vouchers", json={"offer_id": offer}, headers=alice)).json()
    bobs_voucher = await client.post("/v1/me/vouchers", json={"offer_id": offer}, headers=bob)
    assert bobs_voucher.status_code == 201, bobs_voucher.text  # Bob has ids of his own of each kind
    attestation = await client.post(
        "/v1/me/attestations", json=BODIES["POST /v1/me/attestations"], headers=alice
    )
    alices = {
        "action_id": recorded[0].id,
        "binding_id": binding["id"],
        "voucher_id": voucher["id"],
        "attestation_id": attestation.json()["id"],
    }
    nobodys = {
        name: value + missing if isinstance(value, int) else f"{value}-none" for name, value in alices.items()
    }
    before = await _views(client, alice, alices)

    tried = []
    for route in _resident_routes(app):
        if not route.path.startswith("/v1/me/") or not set(PATH_PARAM.findall(route.path)) - set(NOT_IDS):
            continue
        theirs = await _call(client, route, _ids(route, alices), bob)
        nothing = await _call(client, route, _ids(route, nobodys), bob)
        assert theirs.status_code == 404, (str(route), theirs.text)
        assert (theirs.json()["code"], theirs.json()["title"]) == (
            nothing.json()["code"],
            nothing.json()["title"],
        ), str(route)
        tried.append(str(route))
    assert {
        "GET /v1/me/actions/{action_id:int}",
        "DELETE /v1/me/bindings/{binding_id:int}",
        "POST /v1/me/vouchers/{voucher_id:int}/cancel",
        "POST /v1/me/attestations/{attestation_id:str}/revoke",
    } <= set(tried)
    assert await _views(client, alice, alices) == before, "Alice's data changed"


async def test_a_deleted_accounts_token_is_refused_on_every_resident_route(
    app, client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    resident, recorded = await resident_with_trips(database, settings, registry, "13900000741")
    me = bearer(Role.RESIDENT, str(resident))
    assert (await client.delete("/v1/me", headers=me)).status_code == 204
    ids = {
        "action_id": recorded[0].id,
        "binding_id": 1,
        "voucher_id": 1,
        "attestation_id": "x",
        "benefit_id": 1,
    }
    answered = {}
    for route in _resident_routes(app):
        response = await _call(client, route, _ids(route, ids), me)
        body = response.json()
        answered[str(route)] = (response.status_code, body.get("code") if isinstance(body, dict) else None)
    refused = {route for route, answer in answered.items() if answer == (401, "account_deleted")}
    not_refused = set(answered) - refused
    assert not_refused <= NOT_YET_REFUSING, {r: answered[r] for r in not_refused - NOT_YET_REFUSING}
    assert {"GET /v1/me", "DELETE /v1/me", "GET /v1/me/wallet", "GET /v1/me/impact"} <= refused
    assert {
        "GET /v1/me/achievements",
        "GET /v1/me/reports/{year:int}",
        "GET /v1/districts/leaderboard",
        "GET /v1/districts",
    } <= refused
    assert {
        "GET /v1/me/notifications",
        "POST /v1/me/notifications/read",
        "GET /v1/me/notifications/subscriptions",
        "POST /v1/me/notifications/subscriptions",
    } <= refused
    assert "GET /v1/me/actions/{action_id:int}" in refused
