"""Public methodology documentation, the dry-run quantifier, and the city's parameter publishing."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Body, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from methodologies._sdk import Methodology
from methodologies._sdk.families import family
from service.actions.service import ActionService
from service.db.base import utcnow
from service.db.engine import Database
from service.http.cache import CachePolicy, cacheable, cached_response, json_body, response_cache
from service.identity.guards import provide_principal, requires
from service.identity.principal import Principal, Role
from service.methodology.models import ParamVersion
from service.methodology.params import ParamService
from service.methodology.registry import Registry, reason_meanings
from service.methodology.schemas import (
    FamilyOut,
    MethodologyOut,
    MethodologySummary,
    ParameterOut,
    ParamVersionOut,
    PublishIn,
    QuantifyIn,
    QuantifyOut,
    ReasonOut,
    VerdictOut,
)

# Public documentation: any cache may keep it a minute; the city's publications are rare and scheduled.
CACHE = CachePolicy("methodologies", "public, max-age=60")
METHODOLOGY_ID = Parameter(min_length=2, max_length=64, pattern=r"^[a-z][a-z0-9_]+$")


def provide_registry(request: Request[Any, Any, Any]) -> Registry:
    return request.app.state.services.registry


class MethodologyController(Controller):
    path = "/v1/methodologies"
    tags = ["methodologies"]
    dependencies = {"registry": Provide(provide_registry, sync_to_thread=False)}

    @get(
        "",
        operation_id="methodologies_list",
        summary="Every methodology, its versions and sources",
        operation_class=cacheable(CACHE),
    )
    async def list_all(
        self, request: Request[Any, Any, Any], registry: NamedDependency[Registry]
    ) -> Response[list[MethodologySummary]]:
        async def build() -> bytes:
            async with _database(request).session() as session:
                params = ParamService(session, registry=registry)
                return json_body(
                    [await _summary(registry, params, registry.current(m)) for m in registry.ids()]
                )

        return await cached_response(request, CACHE, ("list",), build)

    @get(
        "/{methodology_id:str}",
        operation_id="methodologies_get",
        summary="One methodology, fully documented",
        operation_class=cacheable(CACHE),
    )
    async def get_one(
        self,
        request: Request[Any, Any, Any],
        registry: NamedDependency[Registry],
        methodology_id: Annotated[str, METHODOLOGY_ID],
    ) -> Response[MethodologyOut]:
        methodology = registry.current(methodology_id)  # an unknown id is 404 before the cache is asked

        async def build() -> bytes:
            async with _database(request).session() as session:
                return json_body(
                    await _documented(registry, ParamService(session, registry=registry), methodology)
                )

        return await cached_response(request, CACHE, ("one", methodology_id), build)

    @post(
        "/{methodology_id:str}/quantify",
        operation_id="methodologies_quantify",
        status_code=200,
        summary="Dry run: what this evidence would be credited (nothing is stored)",
    )
    async def quantify(
        self,
        request: Request[Any, Any, Any],
        registry: NamedDependency[Registry],
        db_session: NamedDependency[AsyncSession],
        methodology_id: Annotated[str, METHODOLOGY_ID],
        data: Annotated[QuantifyIn, Body()],
    ) -> QuantifyOut:
        settings = request.app.state.services.settings
        methodology = (
            registry.version(methodology_id, data.code_version)
            if data.code_version
            else registry.current(methodology_id)
        )
        actions = ActionService(db_session, settings, registry)
        evidence = actions.parse(methodology, data.evidence)
        assessment = await actions.assess(
            methodology, evidence, None, asset=data.asset, received_at=data.checked_at
        )
        grams = assessment.decision.credited_grams
        return QuantifyOut(
            methodology=methodology.id,
            code_version=methodology.version,
            params_version=assessment.params.version,
            params_hash=assessment.params.params_hash,
            verdict=VerdictOut(
                accepted=assessment.decision.accepted, reasons=list(assessment.decision.verdict.reasons)
            ),
            grams=grams,
            coins=grams // settings.ledger.grams_per_coin,
            breakdown=assessment.decision.breakdown(),
        )

    @get(
        "/{methodology_id:str}/parameter-versions",
        operation_id="methodologies_param_versions_list",
        summary="Every parameter version, with its reason and effective date",
        operation_class=cacheable(CACHE),
    )
    async def versions(
        self,
        request: Request[Any, Any, Any],
        registry: NamedDependency[Registry],
        methodology_id: Annotated[str, METHODOLOGY_ID],
    ) -> Response[list[ParamVersionOut]]:
        methodology = registry.current(methodology_id)

        async def build() -> bytes:
            async with _database(request).session() as session:
                rows = await ParamService(session, registry=registry).versions(methodology)
                return json_body([_version_out(v) for v in rows])

        return await cached_response(request, CACHE, ("versions", methodology_id), build)

    @post(
        "/{methodology_id:str}/parameter-versions",
        operation_id="methodologies_param_versions_publish",
        guards=requires(Role.CITY),
        dependencies={"principal": Provide(provide_principal)},
        summary="Publish a new parameter version (city): overrides, reason, effective date",
    )
    async def publish(
        self,
        request: Request[Any, Any, Any],
        registry: NamedDependency[Registry],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        methodology_id: Annotated[str, METHODOLOGY_ID],
        data: Annotated[PublishIn, Body()],
    ) -> ParamVersionOut:
        methodology = registry.current(methodology_id)
        row = await ParamService(db_session, registry=registry).publish(
            methodology,
            data.overrides,
            reason=data.reason,
            effective_from=data.effective_from,
            actor=f"{principal.role}:{principal.subject}",
        )
        response_cache(request.app).invalidate_on_commit(db_session, CACHE.namespace)
        return _version_out(row)


async def _summary(registry: Registry, params: ParamService, methodology: Methodology) -> MethodologySummary:
    current = await params.effective(methodology, utcnow())
    group = family(methodology.family)
    return MethodologySummary(
        id=methodology.id,
        title=methodology.title,
        source=methodology.source,
        family=FamilyOut(id=group.id, zh=group.zh, en=group.en),
        partner=getattr(methodology, "partner", ""),
        version=methodology.version,
        versions=registry.known_versions(methodology.id),
        params_version=current.version,
        evidence_schema=methodology.Evidence.model_json_schema(),
        identifiers=methodology.Evidence.identifiers(),
    )


async def _documented(registry: Registry, params: ParamService, methodology: Methodology) -> MethodologyOut:
    summary = await _summary(registry, params, methodology)
    current = (await params.effective(methodology, utcnow())).params
    asset_model = getattr(methodology, "Asset", None)
    return MethodologyOut(
        **summary.model_dump(),
        readme=methodology.readme,
        asset_schema=asset_model.model_json_schema() if asset_model else None,
        asset_registrar=getattr(methodology, "asset_registrar", "resident"),
        evidence_example=getattr(methodology, "example", None),
        reasons=[
            ReasonOut(code=code, zh=zh, en=en)
            for code, (zh, en) in sorted(reason_meanings(methodology).items())
        ],
        parameters=[
            ParameterOut(value=current.values()[p["name"]], **p) for p in methodology.Params.describe()
        ],
        parameter_versions=[_version_out(v) for v in await params.versions(methodology)],
    )


def _database(request: Request[Any, Any, Any]) -> Database:
    return request.app.state.services.database  # type: ignore[no-any-return]


def _version_out(row: ParamVersion) -> ParamVersionOut:
    return ParamVersionOut(
        version=row.version,
        code_version=row.code_version,
        effective_from=row.effective_from,
        reason=row.reason,
        overrides=row.overrides,
        params_hash=row.params_hash,
        created_by=row.created_by,
        created_at=row.created_at,
    )
