"""OpenTelemetry traces: a span per request, per job run and per SQL statement, exported by OTLP.

Off unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set: then
nothing of the SDK is imported, no span is made and every hook below is a dictionary lookup. The
exporter reads the other standard variables itself (``OTEL_EXPORTER_OTLP_HEADERS``, timeouts...).

Spans carry the route template, never the raw path or query string, and SQL without bound values (the
engine hides parameters), for the same reasons as the logs. A job's span continues the trace of the
request that enqueued it (origin.py carries the W3C ``traceparent``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from litestar.types import Scope

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Span

    from service.db.engine import Database

SERVICE_NAME = "tanbi"
ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


class Tracing:
    """Spans for one process, made by ``provider`` (an OTLP exporter's, or a test's in-memory one)."""

    def __init__(self, provider: TracerProvider) -> None:
        from opentelemetry import propagate, trace

        self.provider = provider
        self.tracer = provider.get_tracer("tanbi")
        self._propagate = propagate
        self._trace = trace

    def instrument(self, database: Database) -> None:
        """A client span per statement ``database`` runs (the SQLAlchemy instrumentation's listeners)."""
        from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
        from opentelemetry.metrics import NoOpMeter

        # Its connection-usage counter is a metric; metrics are Prometheus' (service/metrics), not OTLP's.
        usage = NoOpMeter("tanbi").create_up_down_counter("db.client.connections.usage")
        EngineTracer(self.tracer, database.engine.sync_engine, usage)

    @contextmanager
    def request_span(self, scope: Scope) -> Iterator[Span]:
        """The server span of one HTTP request, continuing the caller's ``traceparent`` if it sent one."""
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers") or []}
        method = scope.get("method", "-")
        with self.tracer.start_as_current_span(
            method,
            context=self._propagate.extract(headers),
            kind=self._trace.SpanKind.SERVER,
            attributes={"http.request.method": method},
        ) as span:
            yield span

    @staticmethod
    def finish_request_span(span: Span, scope: Scope, status: int | None, request_id: str) -> None:
        """Name the span by its route template and record the status (known only once routed and sent)."""
        route = scope.get("path_template")  # type: ignore[call-overload]
        if route:
            span.update_name(f"{scope.get('method', '-')} {route}")
            span.set_attribute("http.route", route)
        span.set_attribute("tanbi.request_id", request_id)
        if status is not None:
            span.set_attribute("http.response.status_code", status)
            if status >= 500:
                from opentelemetry.trace import Status, StatusCode

                span.set_status(Status(StatusCode.ERROR))

    @contextmanager
    def job_span(self, name: str, origin: Mapping[str, str], job_try: int | None) -> Iterator[Span]:
        """The span of one run of job ``name``, a child of the span that enqueued it (``origin``)."""
        attributes: dict[str, Any] = {"tanbi.job": name, "tanbi.job_try": job_try or 1}
        if request_id := origin.get("request_id"):
            attributes["tanbi.request_id"] = request_id
        with self.tracer.start_as_current_span(
            f"job {name}",
            context=self._propagate.extract(dict(origin)),
            kind=self._trace.SpanKind.CONSUMER,
            attributes=attributes,
        ) as span:
            yield span

    def shutdown(self) -> None:
        """Export what is buffered and stop; the engines' listeners go too."""
        from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

        EngineTracer.remove_all_event_listeners()
        self.provider.shutdown()


def tracing_from_environment(environ: Mapping[str, str] = os.environ) -> Tracing | None:
    """Tracing exported by OTLP over HTTP when an endpoint is configured; None otherwise."""
    if not any(environ.get(name) for name in ENDPOINT_VARIABLES):
        return None
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create({"service.name": environ.get("OTEL_SERVICE_NAME") or SERVICE_NAME})
    provider = TracerProvider(resource=resource)
    # Batched: a request never waits for the collector, and a collector that is down costs dropped spans.
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return Tracing(provider)


def attach_tracing(services: Any, tracing: Tracing | None) -> None:
    """Give ``services`` (service.services.Services) ``tracing``: its databases' statements become spans,
    requests find it in ``extras`` and the in-process queue's jobs in their context. None: nothing."""
    if tracing is None:
        return
    services.extras["tracing"] = tracing
    for database in (services.database, getattr(services, "read_database", None)):
        if database is not None:
            tracing.instrument(database)
    context = getattr(services.queue, "context", None)
    if context is not None:
        context["tracing"] = tracing


def detach_tracing(services: Any) -> None:
    """Flush and stop the tracing ``attach_tracing`` gave ``services``, if any."""
    tracing = services.extras.pop("tracing", None)
    if tracing is not None:
        tracing.shutdown()


def start_worker_tracing(ctx: dict[str, Any]) -> None:
    """The arq worker's tracing (from the environment), its database instrumented; in ``ctx["tracing"]``."""
    tracing = tracing_from_environment()
    if tracing is not None:
        tracing.instrument(ctx["database"])
    ctx["tracing"] = tracing


def stop_worker_tracing(ctx: dict[str, Any]) -> None:
    tracing = ctx.pop("tracing", None)
    if tracing is not None:
        tracing.shutdown()
