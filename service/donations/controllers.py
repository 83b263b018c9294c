"""HTTP routes: public projects and certificates, a resident's donations, the city's project management."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, HeaderParameter, Parameter, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.base import utcnow
from service.donations import projects, service
from service.donations.repository import DonationRepository
from service.donations.schemas import (
    CertificateOut,
    DonationIn,
    DonationOut,
    DonationPage,
    ProjectIn,
    ProjectOut,
    ProjectPage,
    ProjectPatch,
)
from service.donations.serials import MAX_LENGTH
from service.donations.views import certificate_out, donations_out, projects_out
from service.errors import Invalid
from service.http.pagination import after_id, next_cursor
from service.identity.guards import provide_principal, requires
from service.identity.principal import Principal, Role
from service.identity.service import active_resident_id

ID = Parameter(ge=1, le=2**63 - 1)
PAGE_MAX = 200
PUBLIC_CACHE = CacheControlHeader(public=True, max_age=30)
IDEMPOTENCY_KEY = (
    "optional, 1-128 characters of the client's choosing: a retry with the same key returns the first "
    "donation (200, replayed true) and gives nothing twice; the same key for a different gift is 409 "
    "idempotency_conflict"
)
SERIAL_PARAM = "the certificate's serial, e.g. TB-GQC-DON-2026-000001-XX (case is ignored)"


def _settings(request: Request[Any, Any, Any]) -> Any:
    return request.app.state.services.settings


def _after(cursor: str | None) -> int:
    return 0 if cursor is None else after_id(cursor)


class WelfareProjectController(Controller):
    """Public: the city's projects and their progress, for anyone (the dashboard, the mini-program)."""

    path = "/v1/welfare-projects"
    tags = ["public"]

    @get(
        "",
        operation_id="welfare_projects_list",
        summary="Public-welfare projects (公益项目) with coins raised, donations and donors",
        cache_control=PUBLIC_CACHE,
    )
    async def list_projects(
        self,
        db_session: NamedDependency[AsyncSession],
        active: Annotated[
            bool | None, QueryParameter(description="true: only projects taking donations now")
        ] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MAX)] = 50,
    ) -> ProjectPage:
        repo = DonationRepository(db_session)
        rows = list(await repo.projects(_after(cursor), limit + 1, active_only=bool(active)))
        return ProjectPage(
            items=await projects_out(db_session, rows[:limit]), next_cursor=next_cursor(rows, limit)
        )

    @get(
        "/{project_id:int}",
        operation_id="welfare_projects_get",
        summary="One public-welfare project and its progress",
        cache_control=PUBLIC_CACHE,
    )
    async def get_project(
        self, db_session: NamedDependency[AsyncSession], project_id: Annotated[int, ID]
    ) -> ProjectOut:
        project = await projects.existing_project(db_session, project_id)
        return (await projects_out(db_session, [project]))[0]


class DonationCertificateController(Controller):
    """Public: anyone holding a serial can check the certificate; it never names the resident."""

    path = "/v1/donations"
    tags = ["public"]

    @get(
        "/{serial:str}",
        operation_id="donation_certificates_get",
        summary="A donation's certificate (捐赠证书) by its serial",
        description="422 invalid_serial for a malformed serial, 422 serial_check_failed when its check "
        "digits do not match (mistyped or altered), 404 donation_not_found for a valid one never issued.",
        cache_control=PUBLIC_CACHE,
    )
    async def certificate(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        serial: Annotated[str, Parameter(max_length=MAX_LENGTH, description=SERIAL_PARAM)],
    ) -> CertificateOut:
        settings = _settings(request)
        donation = await service.certificate(db_session, serial)
        return await certificate_out(db_session, donation, settings.city, settings.zone)


class ResidentDonationController(Controller):
    path = "/v1/me/donations"
    tags = ["resident"]
    guards = requires(Role.RESIDENT)
    dependencies = {"principal": Provide(provide_principal)}

    @post(
        "",
        operation_id="me_donations_create",
        summary="Donate coins to a public-welfare project (never refunded); returns the certificate's serial",
        responses={200: ResponseSpec(DonationOut, description="a retry: the donation made with this key")},
    )
    async def donate(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: Annotated[DonationIn, Body()],
        idempotency_key: Annotated[
            str | None,
            HeaderParameter(
                name="Idempotency-Key", min_length=1, max_length=128, description=IDEMPOTENCY_KEY
            ),
        ] = None,
    ) -> Response[DonationOut]:
        donation, created = await service.donate(
            db_session,
            _settings(request),
            principal.resident_id,
            data.project_id,
            data.coins,
            donor_name=data.donor_name,
            client_key=idempotency_key,
            now=utcnow(),
        )
        [body] = await donations_out(db_session, [donation], replayed=not created)
        return Response(body, status_code=201 if created else 200)

    @get("", operation_id="me_donations_list", summary="The resident's donations, with their serials")
    async def list_donations(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MAX)] = 50,
    ) -> DonationPage:
        resident_id = await active_resident_id(db_session, principal)
        rows = list(await service.donations_of(db_session, resident_id, _after(cursor), limit + 1))
        return DonationPage(
            items=await donations_out(db_session, rows[:limit]), next_cursor=next_cursor(rows, limit)
        )


class CityWelfareProjectController(Controller):
    path = "/v1/city/welfare-projects"
    tags = ["city"]
    guards = requires(Role.CITY)
    dependencies = {"principal": Provide(provide_principal)}

    @post("", operation_id="city_welfare_projects_create", summary="List a new public-welfare project")
    async def create(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: Annotated[ProjectIn, Body()],
    ) -> ProjectOut:
        fields = data.model_dump()
        actor = f"city:{principal.subject}"
        project = await projects.create_project(db_session, _settings(request), fields, actor, utcnow())
        return (await projects_out(db_session, [project]))[0]

    @patch(
        "/{project_id:int}",
        operation_id="city_welfare_projects_update",
        summary="Change a project's names, description, kind or goal, or close it to donations",
    )
    async def update(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        project_id: Annotated[int, ID],
        data: Annotated[ProjectPatch, Body()],
    ) -> ProjectOut:
        changes = data.model_dump(exclude_unset=True)
        if any(value is None for value in changes.values()):
            raise Invalid("fields cannot be set to null", code="null_field")
        actor = f"city:{principal.subject}"
        project = await projects.update_project(db_session, project_id, changes, actor, utcnow())
        return (await projects_out(db_session, [project]))[0]
