"""``GET /metrics`` on the API's own port, behind a bearer token.

Why not a separate port: ``tanbi serve --workers N`` runs N processes on one socket, and a second port
would need one more listener per process (or one process serving the others' files); on the API's port
any process answers, and the multiprocess files make it answer for all. Why a token: the figures tell
anyone how busy the city is and which partners fail, so they are not public. Without
``TANBI_METRICS__TOKEN`` the route does not exist (404); a missing or wrong token is 401 ``missing_token`` /
``invalid_token``. The route is left out of the OpenAPI document: it is the operator's, not the API's.
"""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request, Response, get
from litestar.handlers import HTTPRouteHandler
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import SecretStr

from service.http.i18n import language_of
from service.http.problems import problem
from service.metrics import multiprocess
from service.metrics.business import BusinessFigures
from service.metrics.http import RequestCounter, sample_pool
from service.metrics.series import ApiSeries
from service.settings import MetricsSettings


class ApiMetrics:
    """Everything the API measures, made once per app by ``create_app``."""

    def __init__(self, settings: MetricsSettings) -> None:
        self.settings = settings
        self.series = ApiSeries()
        self.counter = RequestCounter(self.series)
        self.figures = BusinessFigures(settings.cache_seconds)

    @property
    def routes(self) -> list[HTTPRouteHandler]:
        """``[GET /metrics]`` with a token configured, none without (the endpoint is off)."""
        return [self._route(self.settings.token)] if self.settings.token else []

    async def exposition(self, services: Any) -> bytes:
        """The text format: this process's (or every process's) series, then the database's figures."""
        await self.figures.refresh(services.database)
        sample_pool(self.series, services.database.engine.pool)
        registry = CollectorRegistry()
        registry.register(_Reading(multiprocess.scrape_registry(self.series.registry)))
        registry.register(self.figures)
        return generate_latest(registry)

    def _route(self, token: SecretStr) -> HTTPRouteHandler:
        expected = f"Bearer {token.get_secret_value()}".encode()

        @get("/metrics", include_in_schema=False, operation_id="metrics")
        async def metrics(request: Request[Any, Any, Any]) -> Response[Any]:
            given = request.headers.get("authorization")
            if not given:
                return _refused(request, "missing_token", "a bearer token is required")
            if not hmac.compare_digest(given.encode(), expected):
                return _refused(request, "invalid_token", "the bearer token is not the metrics token")
            body = await self.exposition(request.app.state.services)
            return Response(body, media_type=CONTENT_TYPE_LATEST)

        return metrics


class _Reading:
    """Adapts a registry to a collector, so one scrape reads it beside the database's figures."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self):  # type: ignore[no-untyped-def]
        return self.registry.collect()


def _refused(request: Request[Any, Any, Any], code: str, detail: str) -> Response[Any]:
    headers = {"WWW-Authenticate": 'Bearer realm="metrics"'}
    return problem(401, code, detail, headers=headers, lang=language_of(request))
