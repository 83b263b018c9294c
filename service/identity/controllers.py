"""HTTP routes of identity: dev sign-in, refresh, logout, and the caller's own profile."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, delete, get, patch, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.params import Body
from sqlalchemy.ext.asyncio import AsyncSession

from service.city.districts import checked
from service.db.base import utcnow
from service.errors import NotFound
from service.identity.api_keys import key_principal
from service.identity.guards import authenticate, provide_principal, requires
from service.identity.principal import Principal, Role
from service.identity.schemas import (
    AccessTokenOut,
    ApiKeyLogin,
    DevLogin,
    MeOut,
    MePatch,
    RefreshRequest,
    TokenPairOut,
    WechatLogin,
)
from service.identity.service import (
    IdentityService,
    RefreshTokenReused,
    TokenPair,
    active_profile,
    active_resident,
)
from service.identity.wechat import exchange_code
from service.ratelimit import client_ip, limit
from service.registry.consent import set_consent
from service.residents.deletion import delete_account


async def provide_identity(request: Request, db_session: NamedDependency[AsyncSession]) -> IdentityService:  # type: ignore[type-arg]
    services = request.app.state.services
    return IdentityService(db_session, services.tokens, services.hash_key)


def dev_login_enabled(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:  # type: ignore[type-arg]
    """Guard: unless enabled, the dev provider does not exist, whatever the body (checked before parsing)."""
    if not connection.app.state.services.settings.dev_login_enabled:
        raise NotFound("the dev identity provider is not enabled", code="not_found")


def _pair(pair: TokenPair) -> TokenPairOut:
    return TokenPairOut(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


class AuthController(Controller):
    path = "/v1/auth"
    tags = ["auth"]
    dependencies = {"identity": Provide(provide_identity)}

    @post(
        "/dev",
        operation_id="auth_dev_login",
        status_code=200,
        guards=[dev_login_enabled],
        summary="Sign in by phone (dev identity provider)",
    )
    async def dev_login(
        self,
        request: Request,  # type: ignore[type-arg]
        identity: NamedDependency[IdentityService],
        data: Annotated[DevLogin, Body()],
    ) -> TokenPairOut:
        await limit(request, "sign_in", client_ip(request))
        _, pair = await identity.dev_login(data.phone)
        return _pair(pair)

    @post(
        "/wechat", operation_id="auth_wechat_login", status_code=200, summary="Sign in from the mini-program"
    )
    async def wechat_login(
        self,
        request: Request,  # type: ignore[type-arg]
        identity: NamedDependency[IdentityService],
        data: Annotated[WechatLogin, Body()],
    ) -> TokenPairOut:
        await limit(request, "sign_in", client_ip(request))
        found = await exchange_code(request.app.state.services.settings.wechat, data.code)
        _, pair = await identity.wechat_login(found)
        return _pair(pair)

    @post(
        "/api-key", operation_id="auth_api_key", status_code=200, summary="Trade a merchant or city API key"
    )
    async def api_key_login(
        self,
        request: Request,  # type: ignore[type-arg]
        identity: NamedDependency[IdentityService],
        db_session: NamedDependency[AsyncSession],
        data: Annotated[ApiKeyLogin, Body()],
    ) -> AccessTokenOut:
        await limit(request, "sign_in", client_ip(request))
        services = request.app.state.services
        principal = await key_principal(db_session, data.api_key)
        ttl = services.settings.auth.access_ttl_seconds
        if principal.role == Role.MERCHANT:  # a till stays signed in by rotating its refresh token
            pair = await identity.issue(principal, utcnow())
            return AccessTokenOut(
                access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=ttl
            )
        return AccessTokenOut(access_token=services.tokens.issue_access(principal, utcnow()), expires_in=ttl)

    @post("/refresh", operation_id="auth_refresh", status_code=200, summary="Rotate a refresh token")
    async def refresh(
        self,
        identity: NamedDependency[IdentityService],
        db_session: NamedDependency[AsyncSession],
        data: Annotated[RefreshRequest, Body()],
    ) -> TokenPairOut:
        try:
            return _pair(await identity.refresh(data.refresh_token))
        except RefreshTokenReused:
            await db_session.commit()  # keep the family's revocation although the request fails
            raise

    @post("/logout", operation_id="auth_logout", status_code=204, summary="Revoke a refresh token's family")
    async def logout(
        self, identity: NamedDependency[IdentityService], data: Annotated[RefreshRequest, Body()]
    ) -> None:
        await identity.logout(data.refresh_token)


class MeController(Controller):
    path = "/v1/me"
    tags = ["resident"]
    guards = requires(Role.RESIDENT)
    dependencies = {"identity": Provide(provide_identity), "principal": Provide(provide_principal)}

    @get("", operation_id="me_get", summary="The signed-in resident")
    async def me(self, request: Request) -> MeOut:  # type: ignore[type-arg]
        # A hot read: no request session and no dependency injection (a fifth of its CPU), the principal
        # the guard verified, one statement through the database (service/db/reads.py).
        database = request.app.state.services.database
        profile = await active_profile(database, authenticate(request).resident_id)
        return MeOut(
            id=profile["id"],
            display_name=profile["display_name"],
            district=profile["district"],
            created_at=profile["created_at"],
            pooling_consent_since=profile["pooling_consent_since"],
        )

    @patch("", operation_id="me_update", summary="Change the profile (display name, district)")
    async def update(
        self,
        request: Request,  # type: ignore[type-arg]
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: Annotated[MePatch, Body()],
    ) -> MeOut:
        resident = await active_resident(db_session, principal.resident_id)
        changes = data.model_dump(include=data.model_fields_set)
        if "district" in changes:
            checked(request.app.state.services.settings.city, changes["district"])
        consent = changes.pop("pooling_consent", None)
        for name, value in changes.items():
            setattr(resident, name, value)
        if consent is not None:
            await set_consent(db_session, resident, consent, utcnow())
        await db_session.flush()
        return _me_out(resident)

    @delete(
        "",
        operation_id="me_delete",
        status_code=204,
        summary="Delete the account: personal data erased, history unlinked, books kept anonymously",
        description="What is erased, what is kept and why: docs/privacy.md.",
    )
    async def remove(
        self,
        request: Request,  # type: ignore[type-arg]
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
    ) -> None:
        resident = await active_resident(db_session, principal.resident_id)
        services = request.app.state.services
        await delete_account(db_session, services.registry, services.settings.zone, resident.id, utcnow())


def _me_out(resident) -> MeOut:  # type: ignore[no-untyped-def]
    return MeOut(
        id=resident.id,
        display_name=resident.display_name,
        district=resident.district,
        created_at=resident.created_at,
        pooling_consent_since=resident.pooling_consent_since,
    )
