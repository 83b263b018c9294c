"""Residents register their assets; the city and auditors explain any stored action."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Body, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from methodologies._sdk.families import family
from service.actions.assets import register_asset
from service.actions.models import Asset
from service.actions.replay import Replayer
from service.actions.schemas import AssetIn, AssetOut, ExplanationOut, ReasonText
from service.identity.guards import provide_principal, requires
from service.identity.principal import Principal, Role
from service.identity.service import active_resident_id
from service.methodology.registry import Registry, reason_meanings

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
        return explanation(result, services.registry)


def _reason(code: str, meanings: dict[str, tuple[str, str]]) -> ReasonText:
    zh, en = meanings.get(code, (code, code))
    return ReasonText(code=code, zh=zh, en=en)


def explanation(result: Any, registry: Registry) -> ExplanationOut:
    action = result.action
    methodology = registry.version(action.methodology_id, action.code_version)
    meanings = reason_meanings(methodology)
    group = family(methodology.family)
    return ExplanationOut(
        action_id=action.id,
        methodology=action.methodology_id,
        title=methodology.title,
        family=group.id,
        family_zh=group.zh,
        family_en=group.en,
        code_version=action.code_version,
        params_version=action.params_version,
        occurred_at=action.occurred_at,
        status=action.status,
        reasons=action.reasons,
        reasons_explained=[
            ReasonText(
                code=code, zh=meanings.get(code, (code, code))[0], en=meanings.get(code, (code, code))[1]
            )
            for code in action.reasons
        ],
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
