"""Route guards: authenticate the bearer token, then allow only the listed roles."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from service.errors import Forbidden, Unauthorized
from service.identity.principal import Principal, Role
from service.identity.tokens import TokenService

BEARER = "bearer "


def authenticate(connection: ASGIConnection) -> Principal:  # type: ignore[type-arg]
    """The caller of ``connection``, cached on the scope; Unauthorized without a valid bearer token."""
    cached = connection.scope.get("tanbi_principal")
    if cached is not None:
        return cached
    header = connection.headers.get("authorization", "")
    if not header.lower().startswith(BEARER):
        raise Unauthorized("send an access token: 'Authorization: Bearer <token>'", code="missing_token")
    tokens: TokenService = connection.app.state.services.tokens
    principal = tokens.verify_access(header[len(BEARER) :].strip())
    connection.scope["tanbi_principal"] = principal  # type: ignore[typeddict-unknown-key]
    return principal


class Requires:
    """A guard allowing only ``roles``; kept as an object so tests can list every route's roles."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, connection: ASGIConnection, _handler: BaseRouteHandler) -> None:  # type: ignore[type-arg]
        # Async: Litestar runs a sync guard in a worker thread, a hop on every authenticated request.
        if connection.scope.get("method") == "OPTIONS":
            return  # the automatic OPTIONS answer (its Allow header) is for anyone, like the document
        principal = authenticate(connection)
        if principal.role not in self.roles:
            allowed = ", ".join(sorted(self.roles))
            raise Forbidden(f"this route is for {allowed}, not {principal.role}", code="wrong_role")


def requires(*roles: Role) -> list[Requires]:
    return [Requires(*roles)]


async def provide_principal(request: ASGIConnection) -> Principal:  # type: ignore[type-arg]
    return authenticate(request)
