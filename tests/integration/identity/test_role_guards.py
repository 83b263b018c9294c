"""Every guarded route of the built app refuses callers without a token and callers of other roles.

The routes are found by walking the app, so a route added later is covered without editing this file.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from litestar import Litestar
from litestar.routes import HTTPRoute

from service.identity.guards import Requires
from service.identity.principal import Role
from tests.integration.http.serving import assert_problem

PATH_PARAM = re.compile(r"\{(\w+):(\w+)\}")
SAMPLE_VALUES = {"int": "1", "str": "sample", "uuid": str(uuid.UUID(int=1)), "path": "sample"}


@dataclass(frozen=True)
class GuardedRoute:
    method: str
    path: str
    allowed: frozenset[Role]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def concrete(path: str) -> str:
    """``/v1/ledger/accounts/{account_id:int}`` -> ``/v1/ledger/accounts/1``."""
    return PATH_PARAM.sub(lambda match: SAMPLE_VALUES[match.group(2)], path)


def guarded_routes(app: Litestar) -> list[GuardedRoute]:
    """Every (method, path) whose handler carries ``Requires`` guards, with the roles all of them allow."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            guards = [getattr(guard, "func", guard) for guard in handler.resolve_guards()]
            requires = [guard for guard in guards if isinstance(guard, Requires)]
            if not requires:
                continue
            allowed = frozenset.intersection(*(guard.roles for guard in requires))
            for method in sorted(handler.http_methods - {"OPTIONS"}):
                found.append(GuardedRoute(method, concrete(route.path), allowed))
    return found


async def call(client: httpx.AsyncClient, route: GuardedRoute, headers: dict[str, str]) -> httpx.Response:
    body = {} if route.method in {"POST", "PUT", "PATCH"} else None
    return await client.request(route.method, route.path, headers=headers, json=body)


def test_the_walk_finds_the_known_guarded_routes(app: Litestar) -> None:
    routes = {str(route): route.allowed for route in guarded_routes(app)}
    assert routes["GET /v1/me"] == {Role.RESIDENT}
    assert routes["GET /v1/ledger/verify"] == {Role.AUDITOR, Role.CITY}
    assert routes["GET /v1/ledger/accounts/1"] == {Role.AUDITOR, Role.CITY}


async def test_every_guarded_route_refuses_a_caller_without_a_token(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    for route in guarded_routes(app):
        response = await call(client, route, {})
        assert response.status_code == 401, route
        assert_problem(response, 401, "missing_token")


async def test_a_resident_token_cannot_call_other_roles_routes(
    app: Litestar, client: httpx.AsyncClient, bearer: Any
) -> None:
    refused = [route for route in guarded_routes(app) if Role.RESIDENT not in route.allowed]
    assert refused, "no route is closed to residents: the walk found nothing to check"
    for route in refused:
        response = await call(client, route, bearer(Role.RESIDENT, "1"))
        assert response.status_code == 403, route
        assert_problem(response, 403, "wrong_role")


async def test_no_role_can_call_routes_of_other_roles(
    app: Litestar, client: httpx.AsyncClient, bearer: Any
) -> None:
    for role in Role:
        for route in guarded_routes(app):
            if role in route.allowed:
                continue
            response = await call(client, route, bearer(role, "1"))
            assert response.status_code == 403, (role, route)
            assert response.json()["code"] == "wrong_role"


async def test_allowed_roles_pass_the_guards(app: Litestar, client: httpx.AsyncClient, bearer: Any) -> None:
    # With sample ids and empty bodies the answer may be 404 or 422, but never a refusal or a crash.
    for route in guarded_routes(app):
        for role in sorted(route.allowed):
            response = await call(client, route, bearer(role, "1"))
            assert response.status_code not in {401, 403}, (role, route, response.text)
            assert response.status_code < 500, (role, route, response.text)


async def test_auditor_and_city_can_verify_the_ledger(client: httpx.AsyncClient, bearer: Any) -> None:
    for role in (Role.AUDITOR, Role.CITY):
        response = await client.get("/v1/ledger/verify", headers=bearer(role, "7"))
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["ok"] is True
        assert report["checks"]
        assert all(check["ok"] for check in report["checks"])


async def test_a_resident_cannot_verify_the_ledger(client: httpx.AsyncClient, bearer: Any) -> None:
    response = await client.get("/v1/ledger/verify", headers=bearer(Role.RESIDENT, "1"))
    assert_problem(response, 403, "wrong_role")
