"""``tanbi worker``: the arq worker, with every job of the registry and the periodic ones as cron jobs."""

from __future__ import annotations

from typing import Any

from arq import cron
from arq.connections import RedisSettings
from arq.worker import Function, func

from service.db.engine import Database
from service.jobs.queue import ArqQueue
from service.jobs.registry import JOBS, PERIODIC
from service.methodology.registry import load_registry
from service.metrics.jobs import MetricsServer, instrumented
from service.metrics.series import JobSeries
from service.observability.origin import with_origin
from service.observability.tracing import start_worker_tracing, stop_worker_tracing
from service.settings import Settings


def worker_settings(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``arq.worker.Worker`` built from ``settings`` (no module-level state)."""
    if not settings.redis_url:
        raise ValueError("the arq worker needs TANBI_REDIS_URL")
    series = JobSeries()
    jobs = instrumented(JOBS, series)
    metrics_server = MetricsServer(settings.metrics, series)

    async def on_startup(ctx: dict[str, Any]) -> None:
        ctx["settings"] = settings
        ctx["database"] = Database.from_url(
            settings.resolved_database_url, echo=settings.database_echo, pool_size=settings.database_pool_size
        )
        ctx["queue"] = ArqQueue(ctx["redis"], settings.jobs.queue_name)
        ctx["registry"] = load_registry()
        start_worker_tracing(ctx)
        metrics_server.start()

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        stop_worker_tracing(ctx)
        await ctx["database"].dispose()
        metrics_server.stop()

    functions: list[Function] = [
        func(with_origin(job, name), name=name, max_tries=settings.jobs.max_tries)
        for name, job in jobs.items()
    ]
    cron_jobs = [
        cron(
            with_origin(jobs[p.name], p.name),
            name=f"cron:{p.name}",
            minute=p.minute,
            hour=p.hour,
            run_at_startup=True,
            unique=True,
        )
        for p in PERIODIC
    ]
    return {
        "functions": functions,
        "cron_jobs": cron_jobs,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "queue_name": settings.jobs.queue_name,
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "max_jobs": 10,
        "handle_signals": True,
    }
