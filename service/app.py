"""``create_app(settings)``: the Litestar application, assembled in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.types import ControllerRouterHandler

from service.achievements.controllers import AchievementController, LeaderboardController
from service.actions.controllers import ActionAuditController, AssetController
from service.attestations.controllers import AttestationCheckController, AttestationController
from service.benefits.controllers import CityBenefitController, ResidentBenefitController
from service.city.controllers import CityController
from service.dashboard.routes import dashboard, static_files
from service.db.engine import Database
from service.db.replica import provide_read_session
from service.donations.controllers import (
    CityWelfareProjectController,
    DonationCertificateController,
    ResidentDonationController,
    WelfareProjectController,
)
from service.health import healthz, readyz
from service.http import api_docs, contract
from service.http.allow import complete_allow
from service.http.dependencies import provide_db_session
from service.http.problems import EXCEPTION_HANDLERS
from service.http.query import refuse_unknown_query
from service.http.request_id import add_request_id_header, request_id_middleware
from service.identity.controllers import AuthController, MeController
from service.ledger.controllers import LedgerController
from service.merchants.controllers import (
    CityOfferController,
    MerchantController,
    MerchantDirectoryController,
    ResidentOfferController,
)
from service.methodology.controllers import MethodologyController
from service.metrics.endpoint import ApiMetrics
from service.metrics.multiprocess import process_exited
from service.notifications.controllers import MerchantNotificationController, NotificationController
from service.observability.requests import observe_requests
from service.partners.controllers import BindingController, OcpiCdrController, PartnerController
from service.registry.controllers import RegistryController
from service.registry.page import registry_page
from service.residents.controllers import ResidentController
from service.services import start_services, stop_services
from service.settings import Settings

VERSION = "0.1.0"
MAX_BODY_BYTES = 1024 * 1024

ROUTES = [
    healthz,
    readyz,
    AuthController,
    MeController,
    AchievementController,
    LeaderboardController,
    LedgerController,
    MethodologyController,
    AssetController,
    ActionAuditController,
    PartnerController,
    OcpiCdrController,
    BindingController,
    MerchantController,
    ResidentOfferController,
    CityOfferController,
    MerchantDirectoryController,
    ResidentController,
    NotificationController,
    MerchantNotificationController,
    CityController,
    RegistryController,
    registry_page,
    WelfareProjectController,
    DonationCertificateController,
    ResidentDonationController,
    CityWelfareProjectController,
    CityBenefitController,
    ResidentBenefitController,
    AttestationController,
    AttestationCheckController,
    dashboard,
    static_files,
    api_docs.assets,
]


def create_app(
    settings: Settings,
    *,
    database: Database | None = None,
    periodic: bool | None = None,
    extra_routes: Sequence[ControllerRouterHandler] = (),
) -> Litestar:
    """The app for ``settings``. ``database`` overrides the one the settings name (tests bind a
    transaction); ``periodic`` runs the periodic jobs in-process (default: in the embedded mode);
    ``extra_routes`` are mounted beside the product's routes (tests use it to provoke failures)."""
    run_periodic = settings.embedded if periodic is None else periodic
    metrics = ApiMetrics(settings.metrics)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.services = await start_services(settings, database, periodic=run_periodic)
        try:
            yield
        finally:
            await stop_services(app.state.services)

    app = Litestar(
        route_handlers=[*ROUTES, *metrics.routes, *extra_routes],
        lifespan=[lifespan],
        dependencies={
            "db_session": Provide(provide_db_session),
            "read_session": Provide(provide_read_session),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[request_id_middleware, metrics.counter.middleware],
        before_send=[add_request_id_header, complete_allow, metrics.counter.count_unmatched],
        on_shutdown=[process_exited],
        before_request=refuse_unknown_query,
        request_max_body_size=MAX_BODY_BYTES,
        state=State({"settings": settings, "metrics": metrics}),
        openapi_config=OpenAPIConfig(
            title="Tanbi (碳币) API",
            version=VERSION,
            description="Carbon-inclusive points: verified low-carbon actions credited as carbon coins.",
            path="/schema",
            render_plugins=[api_docs.swagger],
        ),
        debug=False,
    )
    contract.install(app)
    # Outermost, so every request is timed, logged with its id and traced, routed or not.
    app.asgi_handler = observe_requests(app.asgi_handler)
    return app


def app_from_environment() -> Litestar:
    """The app for the environment's settings (uvicorn's factory when serving with several workers)."""
    from service.settings import load_settings

    return create_app(load_settings())
