"""HTTP routes of the registry: the city's operations, the verifier's check, and the public record."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.params import Body, Parameter, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.base import utcnow
from service.db.replica import LAG_HEADER, show_lag
from service.errors import NotFound
from service.http.csv_response import attachment
from service.identity.guards import provide_principal, requires
from service.identity.principal import Principal, Role
from service.registry import batches, holdings, operations, reads
from service.registry.batches import Period
from service.registry.projects import create_project
from service.registry.schemas import (
    BatchIn,
    BatchOut,
    BuyerIn,
    CreditingProjectIn,
    CreditingProjectOut,
    HolderOut,
    OperationOut,
    RetireIn,
    RetirementOut,
    SaleIn,
    SerialBlockOut,
    SerialOut,
    VerifyIn,
)
from service.registry.serials import parse
from service.registry.verification import verify
from service.registry.views import (
    Labels,
    account_out,
    batch_out,
    block_out,
    operation_out,
    project_out,
    retirement_out,
)
from service.settings import Settings

ID = Parameter(ge=1, le=2**63 - 1)
PUBLIC_CACHE = CacheControlHeader(public=True, max_age=30)


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.services.settings
    return settings


async def _labels(request: Request[Any, Any, Any], session: AsyncSession) -> Labels:
    settings = _settings(request)
    return await Labels(settings.city.registry_code, settings.public_url).load(session)


def _actor(principal: Principal) -> str:
    return f"{principal.role}:{principal.subject}"


CITY = requires(Role.CITY)
VERIFIER = requires(Role.VERIFIER)
READERS = requires(Role.CITY, Role.AUDITOR, Role.VERIFIER)


class RegistryController(Controller):
    """The city runs the registry (projects, batches, buyers, sales, retirements on a holder's word), the
    third-party verifier verifies batches, and anyone reads the public record: one controller, because
    Litestar keeps one handler per path and method, and a path such as /batches has both."""

    path = "/v1/registry"
    tags = ["registry"]
    dependencies = {"principal": Provide(provide_principal)}

    @post(
        "/projects",
        operation_id="registry_projects_create",
        guards=CITY,
        summary="Define a crediting project",
    )
    async def create_project(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: Annotated[CreditingProjectIn, Body()],
    ) -> CreditingProjectOut:
        project = await create_project(
            db_session,
            request.app.state.services.registry,
            data.methodology_id,
            data.name,
            data.registry_name,
            data.buffer_share,
            data.eligible_params_versions,
            _actor(principal),
            utcnow(),
        )
        return project_out(project)

    @post(
        "/batches",
        operation_id="registry_batches_draft",
        guards=CITY,
        summary="Draft a batch of pooled reductions",
    )
    async def draft(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: Annotated[BatchIn, Body()],
    ) -> BatchOut:
        period = Period(data.vintage, data.period_start, data.period_end)
        settings = _settings(request)
        drafted = await batches.draft(
            db_session, settings.zone, data.project_id, period, _actor(principal), utcnow()
        )
        return batch_out(drafted, await _labels(request, db_session))

    @post(
        "/batches/{batch_id:int}/submit",
        operation_id="registry_batches_submit",
        guards=CITY,
        status_code=200,
        summary="Hand a draft batch to the verifier",
    )
    async def submit(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        batch_id: Annotated[int, ID],
    ) -> BatchOut:
        submitted = await batches.submit(db_session, batch_id, utcnow())
        return batch_out(submitted, await _labels(request, db_session))

    @post(
        "/batches/{batch_id:int}/issue",
        operation_id="registry_batches_issue",
        guards=CITY,
        status_code=200,
        summary="Issue a verified batch's units: to the city and to the buffer",
    )
    async def issue(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        batch_id: Annotated[int, ID],
    ) -> BatchOut:
        issued = await operations.issue(
            db_session, batch_id, _settings(request).city.name_zh, _actor(principal), utcnow()
        )
        return batch_out(issued, await _labels(request, db_session))

    @post(
        "/buyers",
        operation_id="registry_buyers_create",
        guards=CITY,
        summary="Open a buyer's account (public by name)",
    )
    async def add_buyer(
        self, db_session: NamedDependency[AsyncSession], data: Annotated[BuyerIn, Body()]
    ) -> HolderOut:
        return account_out(await holdings.add_buyer(db_session, data.name, utcnow()), 0)

    @post(
        "/sales",
        operation_id="registry_sales_record",
        guards=CITY,
        summary="Sell the city's units to a buyer",
    )
    async def sell(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: Annotated[SaleIn, Body()],
    ) -> OperationOut:
        sale = await operations.sell(
            db_session,
            data.batch_id,
            data.units,
            data.buyer_id,
            data.price_per_tonne,
            data.exchange_reference,
            _settings(request).city.name_zh,
            _actor(principal),
            utcnow(),
        )
        made = await reads.made_by(db_session, sale.id)
        return operation_out(sale, made, await _labels(request, db_session))

    @post(
        "/retirements",
        operation_id="registry_retirements_record",
        guards=CITY,
        summary="Retire units for a beneficiary (final)",
    )
    async def retire(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: Annotated[RetireIn, Body()],
    ) -> RetirementOut:
        retirement = await operations.retire(
            db_session,
            data.batch_id,
            data.units,
            data.holder_id,
            data.beneficiary,
            data.purpose,
            _settings(request).city.name_zh,
            _actor(principal),
            utcnow(),
        )
        found, block = await reads.retirement(db_session, retirement.id)
        return retirement_out(found, block, await _labels(request, db_session))

    @post(
        "/batches/{batch_id:int}/verify",
        operation_id="registry_batches_verify",
        guards=VERIFIER,
        status_code=200,
        summary="Verify a submitted batch by replaying a random sample (recorded, passed or failed)",
    )
    async def verify(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        batch_id: Annotated[int, ID],
        data: Annotated[VerifyIn, Body()],
    ) -> BatchOut:
        services = request.app.state.services
        checked = await verify(
            db_session,
            services.settings,
            services.registry,
            batch_id,
            data.sample_size,
            _actor(principal),
            utcnow(),
        )
        return batch_out(checked, await _labels(request, db_session))

    @get(
        "/batches/{batch_id:int}/manifest.csv",
        operation_id="registry_batches_manifest",
        guards=READERS,
        summary="A batch's manifest (action id, grams, parameter hash): its SHA-256 is manifest_sha256",
        media_type="text/csv",
        response_headers=[attachment("batch-<id>-manifest.csv")],
    )
    async def manifest(
        self, db_session: NamedDependency[AsyncSession], batch_id: Annotated[int, ID]
    ) -> Response[bytes]:
        await batches.batch(db_session, batch_id)
        text = batches.manifest(await batches.manifest_rows(db_session, batch_id))
        # The file hashes to manifest_sha256 as served: no byte-order mark in front of it (csv_response's).
        disposition = f'attachment; filename="batch-{batch_id}-manifest.csv"'
        return Response(text.encode(), media_type="text/csv", headers={"content-disposition": disposition})

    @get(
        "/projects",
        operation_id="registry_projects_list",
        after_request=show_lag,
        response_headers=[LAG_HEADER],
        summary="Crediting projects",
        cache_control=PUBLIC_CACHE,
    )
    async def projects(self, read_session: NamedDependency[AsyncSession]) -> list[CreditingProjectOut]:
        return [project_out(p) for p in await reads.projects(read_session)]

    @get(
        "/batches",
        operation_id="registry_batches_list",
        after_request=show_lag,
        response_headers=[LAG_HEADER],
        summary="Batches, newest first",
        cache_control=PUBLIC_CACHE,
    )
    async def batches_list(
        self,
        request: Request[Any, Any, Any],
        read_session: NamedDependency[AsyncSession],
        project_id: Annotated[int | None, QueryParameter(ge=1, description="one project's batches")] = None,
    ) -> list[BatchOut]:
        labels = await _labels(request, read_session)
        return [batch_out(b, labels) for b in await reads.batches(read_session, project_id)]

    @get(
        "/batches/{batch_id:int}",
        operation_id="registry_batches_get",
        after_request=show_lag,
        response_headers=[LAG_HEADER],
        summary="One batch",
        cache_control=PUBLIC_CACHE,
    )
    async def batch(
        self,
        request: Request[Any, Any, Any],
        read_session: NamedDependency[AsyncSession],
        batch_id: Annotated[int, ID],
    ) -> BatchOut:
        return batch_out(await batches.batch(read_session, batch_id), await _labels(request, read_session))

    @get(
        "/batches/{batch_id:int}/blocks",
        operation_id="registry_blocks_list",
        after_request=show_lag,
        response_headers=[LAG_HEADER],
        summary="Who holds a batch's units now: its current serial blocks",
        cache_control=PUBLIC_CACHE,
    )
    async def blocks(
        self,
        request: Request[Any, Any, Any],
        read_session: NamedDependency[AsyncSession],
        batch_id: Annotated[int, ID],
    ) -> list[SerialBlockOut]:
        await batches.batch(read_session, batch_id)
        labels = await _labels(request, read_session)
        return [block_out(b, labels) for b in await reads.blocks(read_session, batch_id)]

    @get(
        "/batches/{batch_id:int}/operations",
        operation_id="registry_operations_list",
        after_request=show_lag,
        response_headers=[LAG_HEADER],
        summary="Every movement of a batch's units, oldest first",
        cache_control=PUBLIC_CACHE,
    )
    async def operations_list(
        self,
        request: Request[Any, Any, Any],
        read_session: NamedDependency[AsyncSession],
        batch_id: Annotated[int, ID],
    ) -> list[OperationOut]:
        await batches.batch(read_session, batch_id)
        labels = await _labels(request, read_session)
        return [
            operation_out(op, made, labels) for op, made in await reads.operations(read_session, batch_id)
        ]

    @get(
        "/accounts",
        operation_id="registry_accounts_list",
        after_request=show_lag,
        response_headers=[LAG_HEADER],
        summary="Holders and their units",
        cache_control=PUBLIC_CACHE,
    )
    async def accounts(self, read_session: NamedDependency[AsyncSession]) -> list[HolderOut]:
        return [account_out(a, units) for a, units in await reads.holdings(read_session)]

    @get(
        "/retirements",
        operation_id="registry_retirements_list",
        after_request=show_lag,
        response_headers=[LAG_HEADER],
        summary="Retirements, newest first",
        cache_control=PUBLIC_CACHE,
    )
    async def retirements(
        self, request: Request[Any, Any, Any], read_session: NamedDependency[AsyncSession]
    ) -> list[RetirementOut]:
        labels = await _labels(request, read_session)
        return [retirement_out(r, b, labels) for r, b in await reads.retirements(read_session)]

    @get(
        "/retirements/{retirement_id:int}",
        operation_id="registry_retirements_get",
        after_request=show_lag,
        response_headers=[LAG_HEADER],
        summary="One retirement",
        cache_control=PUBLIC_CACHE,
    )
    async def retirement(
        self,
        request: Request[Any, Any, Any],
        read_session: NamedDependency[AsyncSession],
        retirement_id: Annotated[int, ID],
    ) -> RetirementOut:
        found, block = await reads.retirement(read_session, retirement_id)
        return retirement_out(found, block, await _labels(request, read_session))

    @get(
        "/retirements/{retirement_id:int}/certificate.pdf",
        operation_id="registry_retirements_certificate",
        after_request=show_lag,
        response_headers=[LAG_HEADER],
        summary="A retirement's certificate (PDF, with a QR code of its public page)",
        media_type="application/pdf",
        cache_control=PUBLIC_CACHE,
    )
    async def certificate(
        self,
        request: Request[Any, Any, Any],
        read_session: NamedDependency[AsyncSession],
        retirement_id: Annotated[int, ID],
    ) -> Response[bytes]:
        from service.registry.certificate import certificate_pdf  # reportlab only when a certificate is asked

        found, block = await reads.retirement(read_session, retirement_id)
        shown = retirement_out(found, block, await _labels(request, read_session))
        pdf = certificate_pdf(shown, _settings(request).city.name_zh)
        headers = {"content-disposition": f'inline; filename="tanbi-retirement-{retirement_id}.pdf"'}
        return Response(pdf, media_type="application/pdf", headers=headers)

    @get(
        "/serials/{serial:str}",
        operation_id="registry_serials_check",
        after_request=show_lag,
        response_headers=[LAG_HEADER],
        summary="Check a serial: valid, issued, held by whom, retired",
    )
    async def serial(
        self,
        request: Request[Any, Any, Any],
        read_session: NamedDependency[AsyncSession],
        serial: Annotated[str, Parameter(max_length=120, description="TB-GQC-bus_trip-2026-B1-0000001-NN")],
    ) -> SerialOut:
        parsed = parse(serial)
        block = await reads.holding_block(read_session, parsed)
        if block is None:
            raise NotFound(f"serial {serial} was never issued", code="serial_not_found")
        labels = await _labels(request, read_session)
        shown = block_out(block, labels)
        retired = await reads.retirement_of(read_session, block.id)
        return SerialOut(
            serial=serial,
            batch_id=block.batch_id,
            holder_kind=shown.holder_kind,
            holder=shown.holder,
            block=shown,
            retirement=retirement_out(retired, block, labels) if retired else None,
        )
