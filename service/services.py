"""The long-lived objects one process shares: settings, database, queue, Redis, token service."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.db.engine import Database
from service.db.replica import LagReader
from service.identity.tokens import TokenService
from service.jobs.context import JobContext
from service.jobs.periodic import PeriodicRunner
from service.jobs.queue import ArqQueue, InProcessQueue, JobQueue
from service.jobs.registry import JOBS
from service.methodology.registry import Registry, load_registry
from service.observability.tracing import attach_tracing, detach_tracing, tracing_from_environment
from service.settings import Settings

REDIS_CONNECT_TIMEOUT_SECONDS = 2.0


@dataclass
class Services:
    settings: Settings
    database: Database
    tokens: TokenService
    queue: JobQueue
    registry: Registry = field(default_factory=Registry)
    redis: Any = None  # redis.asyncio.Redis when configured
    periodic: PeriodicRunner | None = None
    owns_database: bool = True
    extras: dict[str, Any] = field(default_factory=dict)
    # The read replica (TANBI_DATABASE_READ_URL) and its lag, when one is configured.
    read_database: Database | None = None
    replica_lag: LagReader | None = None

    @property
    def hash_key(self) -> bytes:
        key = self.settings.auth.hash_key
        assert key is not None, "load_settings() fills the hash key"
        return key.get_secret_value().encode()

    @property
    def job_context(self) -> JobContext:
        return {
            "settings": self.settings,
            "database": self.database,
            "queue": self.queue,
            "registry": self.registry,
            "tracing": self.extras.get("tracing"),
        }


async def start_services(settings: Settings, database: Database | None = None, *, periodic: bool) -> Services:
    """Connect what ``settings`` names. ``periodic`` runs the periodic jobs in-process (embedded mode)."""
    owns = database is None
    database = database or Database.from_url(
        settings.resolved_database_url, echo=settings.database_echo, pool_size=settings.database_pool_size
    )
    services = Services(
        settings=settings,
        database=database,
        tokens=TokenService(settings.auth),
        # A broken built-in methodology stops start-up here, before anything is served.
        registry=load_registry(),
        queue=None,  # type: ignore[arg-type]  # set just below: the queue needs the context
        owns_database=owns,
    )
    if settings.database_read_url:
        services.read_database = Database.from_url(
            settings.database_read_url, echo=settings.database_echo, pool_size=settings.database_pool_size
        )
        services.replica_lag = LagReader(services.read_database)
    if settings.redis_url:
        pool = redis_pool(settings.redis_url, settings.jobs.queue_name)
        services.redis = pool
        services.queue = ArqQueue(pool, settings.jobs.queue_name)
    else:
        one_writer = database.dialect == "sqlite"
        services.queue = InProcessQueue(
            JOBS, services.job_context, settings.jobs.max_tries, concurrency=1 if one_writer else None
        )
        services.queue.context["queue"] = services.queue
    # Spans of requests, jobs and statements, when an OTLP endpoint is configured (docs/operations.md).
    attach_tracing(services, tracing_from_environment())
    if periodic and not settings.redis_url:
        # The city reads the published grid: publish it before the first request, not minutes later.
        await JOBS["publish_city"]({**services.job_context, "job_try": 1})
        services.periodic = PeriodicRunner(services.job_context)
        # Not again at once: a second publication (a second of CPU for the demo city) held /readyz back.
        services.periodic.start(just_ran={"publish_city"})
    return services


def redis_pool(url: str, queue_name: str) -> Any:
    """An arq pool that connects on first use, not at start.

    arq's ``create_pool`` pings (with retries) and raises when Redis is down, which would stop the API
    from starting at all; a lazy pool lets the process start, ``/readyz`` report Redis as failed, and
    enqueueing recover by itself once Redis is back.
    """
    from arq.connections import ArqRedis

    pool = ArqRedis.from_url(url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT_SECONDS)
    pool.default_queue_name = queue_name
    return pool


async def stop_services(services: Services) -> None:
    if services.periodic is not None:
        await services.periodic.stop()
    await services.queue.close()
    detach_tracing(services)
    if services.read_database is not None:
        await services.read_database.dispose()
    if services.owns_database:
        await services.database.dispose()
