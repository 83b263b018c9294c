"""HTTP routes: a resident's attestations; the public JWKS and revocation check a bank uses."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Body, Parameter, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.attestations import service
from service.attestations.keys import signing_keys
from service.attestations.models import Attestation
from service.attestations.schemas import (
    AttestationCheck,
    AttestationCreated,
    AttestationIn,
    AttestationList,
    AttestationOut,
    JwkSet,
)
from service.db.base import utcnow
from service.identity.guards import provide_principal, requires
from service.identity.principal import Principal, Role
from service.identity.service import active_resident_id

JTI = Parameter(min_length=1, max_length=40, description="the attestation's id (the token's jti)")


def _settings(request: Request[Any, Any, Any]) -> Any:
    return request.app.state.services.settings


def attestation_out(row: Attestation) -> AttestationOut:
    return AttestationOut(
        id=row.jti,
        audience=row.audience,
        disclosed=row.disclosed.split(","),  # type: ignore[arg-type]
        period_from=row.period_from,
        period_to=row.period_to,
        kid=row.kid,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        status=service.status_of(row, utcnow()),
    )


class AttestationController(Controller):
    path = "/v1/me/attestations"
    tags = ["resident"]
    guards = requires(Role.RESIDENT)
    dependencies = {"principal": Provide(provide_principal)}

    @post(
        "",
        operation_id="me_attestations_create",
        summary="Sign an attestation of the carbon account for a bank or agency (shown once)",
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: Annotated[AttestationIn, Body()],
    ) -> AttestationCreated:
        disclosure = service.Disclosure(
            audience=data.audience,
            level=data.level,
            lifetime=data.lifetime,
            period=(data.period.from_, data.period.to) if data.period else None,
            days=data.days,
        )
        row, token = await service.create(
            db_session, _settings(request), principal.resident_id, disclosure, utcnow()
        )
        return AttestationCreated(**attestation_out(row).model_dump(), token=token)

    @get("", operation_id="me_attestations_list", summary="The resident's attestations, newest first")
    async def list_attestations(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        limit: Annotated[int, QueryParameter(ge=1, le=200, description="how many, newest first")] = 50,
    ) -> AttestationList:
        resident_id = await active_resident_id(db_session, principal)
        rows = await service.attestations_of(db_session, resident_id, limit)
        return AttestationList(items=[attestation_out(row) for row in rows])

    @post(
        "/{attestation_id:str}/revoke",
        operation_id="me_attestations_revoke",
        status_code=200,
        summary="Revoke an attestation: the online check answers revoked from now on",
    )
    async def revoke(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        attestation_id: Annotated[str, JTI],
    ) -> AttestationOut:
        resident_id = await active_resident_id(db_session, principal)
        row = await service.revoke(db_session, resident_id, attestation_id, utcnow())
        return attestation_out(row)


class AttestationCheckController(Controller):
    """Public: what a bank needs to verify an attestation, offline (the keys) and online (revocation)."""

    path = "/"
    tags = ["public"]

    @get(
        "/.well-known/jwks.json",
        operation_id="attestation_keys",
        summary="The city's attestation public keys (JWK Set)",
    )
    async def jwks(self, request: Request[Any, Any, Any]) -> JwkSet:
        return JwkSet.model_validate(signing_keys(_settings(request).attestations).jwks())

    @get(
        "/v1/attestations/{attestation_id:str}",
        operation_id="attestations_check",
        summary="Whether an attestation is valid, revoked or expired (no personal data)",
    )
    async def check(
        self, db_session: NamedDependency[AsyncSession], attestation_id: Annotated[str, JTI]
    ) -> AttestationCheck:
        row = await service.public_status(db_session, attestation_id)
        now = utcnow()
        return AttestationCheck(
            id=row.jti, status=service.status_of(row, now), expires_at=row.expires_at, checked_at=now
        )
