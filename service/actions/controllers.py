"""Residents register their assets; the city and auditors explain any stored action."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Body, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.assets import register_asset
from service.actions.models import Asset
from service.actions.replay import Replayer
from service.actions.schemas import AssetIn, AssetOut, ExplanationOut
from service.identity.guards import provide_principal, requires
from service.identity.principal import Principal, Role
from service.identity.service import active_resident_id

DB_ID = Parameter(ge=1, le=2**63 - 1)


def _asset_out(asset: Asset) -> AssetOut:
    return AssetOut(
        id=asset.id, kind=asset.kind, ref=asset.ref, attributes=asset.attributes, created_at=asset.created_at
    )


class AssetController(Controller):
    path = "/v1/me/assets"
    tags = ["resident"]
    guards = requires(Role.RESIDENT)
    dependencies = {"principal": Provide(provide_principal)}

    @post("", operation_id="me_assets_register", summary="Register an asset (e.g. a rooftop PV system)")
    async def register(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: Annotated[AssetIn, Body()],
    ) -> AssetOut:
        registry = request.app.state.services.registry
        asset = await register_asset(
            db_session,
            registry,
            await active_resident_id(db_session, principal),
            data.kind,
            data.ref,
            data.attributes,
        )
        return _asset_out(asset)


class ActionAuditController(Controller):
    path = "/v1/actions"
    tags = ["audit"]
    guards = requires(Role.AUDITOR, Role.CITY)

    @get("/{action_id:int}/explain", operation_id="actions_explain", summary="Stored breakdown, recomputed")
    async def explain(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        action_id: Annotated[int, DB_ID],
    ) -> ExplanationOut:
        services = request.app.state.services
        result = await Replayer(db_session, services.settings, services.registry).explain(action_id)
        return explanation(result)


def explanation(result: Any) -> ExplanationOut:
    action = result.action
    return ExplanationOut(
        action_id=action.id,
        methodology=action.methodology_id,
        code_version=action.code_version,
        params_version=action.params_version,
        status=action.status,
        reasons=action.reasons,
        grams=action.grams,
        coins=action.coins,
        remainder_grams=action.remainder_grams,
        breakdown=action.breakdown,
        context=action.context,
        recomputed={
            "status": result.status,
            "reasons": result.reasons,
            "grams": result.grams,
            "breakdown": result.breakdown,
        },
        matches=not result.differences,
        differences=result.differences,
    )
