"""Traces: a partner's POST, the job it enqueued and that job's SQL are one trace (in-memory exporter)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from service.app import create_app
from service.jobs.periodic import PeriodicRunner
from service.jobs.registry import PERIODIC
from service.observability.tracing import Tracing, attach_tracing, tracing_from_environment
from service.partners.admin import add_partner
from service.partners.crypto import SecretBox
from service.services import start_services, stop_services
from tests.conftest import make_settings
from tests.integration.partners.conftest import Signer
from tests.integration.partners.test_ingest import event

pytestmark = pytest.mark.postgres


@pytest.fixture
async def traced(
    tmp_path, pg_url, pg_committed
) -> AsyncIterator[tuple[httpx.AsyncClient, Any, InMemorySpanExporter]]:  # type: ignore[no-untyped-def]
    """The app on PostgreSQL with its in-process queue, its spans kept in memory."""
    settings = make_settings(tmp_path, pg_url)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = create_app(settings, database=pg_committed, periodic=False)
    services = app.state.services = await start_services(settings, pg_committed, periodic=False)
    attach_tracing(services, Tracing(provider))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://tanbi.test") as client:
            yield client, services, exporter
    finally:
        await stop_services(services)


async def test_the_job_span_continues_the_request_trace_and_holds_its_sql(traced) -> None:  # type: ignore[no-untyped-def]
    client, services, exporter = traced
    box = SecretBox(services.settings.auth.secrets_key.get_secret_value())
    async with services.database.session() as session:
        created = await add_partner(session, box, services.registry, "Traced Bus", ["bus_trip"])
    exporter.clear()
    signer = Signer(created.id, created.secret)
    response = await signer.post(client, "/events", {"events": [event("trace-1")]})
    assert response.status_code == 202, response.text
    await services.queue.drain()

    spans = exporter.get_finished_spans()
    [request] = [s for s in spans if s.kind == SpanKind.SERVER]
    assert request.name == "POST /v1/partners/{partner_id}/events"
    assert request.attributes["http.response.status_code"] == 202
    assert request.attributes["tanbi.request_id"] == response.headers["x-request-id"]
    [job] = [s for s in spans if s.name == "job process_partner_events"]
    assert job.context.trace_id == request.context.trace_id
    assert job.parent is not None
    assert job.parent.span_id == request.context.span_id
    assert job.attributes["tanbi.request_id"] == response.headers["x-request-id"]
    in_job = _children(spans, job)
    assert in_job, "the job's statements are spans under it"
    assert all(s.kind == SpanKind.CLIENT for s in in_job)
    assert _children(spans, request), "the request's own statements are spans under the request"


async def test_a_periodic_job_run_is_a_span_holding_its_sql(traced) -> None:  # type: ignore[no-untyped-def]
    _, services, exporter = traced
    exporter.clear()
    runner = PeriodicRunner(services.job_context)
    runner.start(just_ran={p.name for p in PERIODIC} - {"fold_rollups"})  # only fold_rollups runs now
    try:
        for _ in range(100):
            jobs = [s for s in exporter.get_finished_spans() if s.name == "job fold_rollups"]
            if jobs:
                break
            await asyncio.sleep(0.02)
    finally:
        await runner.stop()
    [job] = jobs
    assert job.parent is None, "no request behind it: it starts its own trace"
    assert _children(exporter.get_finished_spans(), job)


def _children(spans: tuple[ReadableSpan, ...], parent: ReadableSpan) -> list[ReadableSpan]:
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


def test_tracing_is_off_without_an_otlp_endpoint() -> None:
    assert tracing_from_environment({}) is None
    assert (
        tracing_from_environment(
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_SDK_DISABLED": "true"}
        )
        is None
    )
    tracing = tracing_from_environment({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"})
    assert tracing is not None
    tracing.provider.shutdown()
