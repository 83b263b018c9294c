"""The series a process counts itself. Each app (and the worker) gets its own registry, so nothing is
module-level state and two apps in one test process never share a counter.

Under ``PROMETHEUS_MULTIPROC_DIR`` prometheus_client writes every value to a file per process as well;
``multiprocess.py`` sums those files at scrape time instead of reading this registry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Seconds. Most API answers take milliseconds; the upper buckets catch city reads and large batches.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Seconds. Jobs range from a sweep that finds nothing to a publication of the whole city's grid.
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


@dataclass
class ApiSeries:
    """Per-process series of the API: requests by route template, redemption outcomes, the pool."""

    registry: CollectorRegistry = field(default_factory=lambda: CollectorRegistry(auto_describe=True))

    def __post_init__(self) -> None:
        r = self.registry
        self.requests = Counter(
            "tanbi_http_requests",
            "HTTP requests answered, by route template (never the raw path), method and status class.",
            ["route", "method", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "tanbi_http_request_duration_seconds",
            "Time from a request's arrival to its response's last byte, by route template and method.",
            ["route", "method"],
            buckets=REQUEST_BUCKETS,
            registry=r,
        )
        self.redemptions = Counter(
            "tanbi_redemptions",
            "Redemption attempts by kind (charge, voucher_claim, benefit_claim, voucher_consume) and "
            "outcome: ok, or the problem code that refused it.",
            ["kind", "outcome"],
            registry=r,
        )
        # livesum: the processes' pools added up, a process that exited no longer counted.
        self.pool_checked_out = Gauge(
            "tanbi_db_pool_checked_out",
            "Database connections in use (SQLAlchemy pool checkedout), summed over live API processes.",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.pool_size = Gauge(
            "tanbi_db_pool_size",
            "Connections the pools keep (SQLAlchemy pool size; as many again may overflow).",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.pool_overflow = Gauge(
            "tanbi_db_pool_overflow",
            "Connections open beyond the pool size (negative: pool not yet filled).",
            registry=r,
            multiprocess_mode="livesum",
        )


@dataclass
class JobSeries:
    """The worker's series: each job's durations and outcomes."""

    registry: CollectorRegistry = field(default_factory=lambda: CollectorRegistry(auto_describe=True))

    def __post_init__(self) -> None:
        self.duration = Histogram(
            "tanbi_job_duration_seconds",
            "How long a job run took, by job name (label name; every outcome).",
            ["name"],
            buckets=JOB_BUCKETS,
            registry=self.registry,
        )
        self.runs = Counter(
            "tanbi_job_runs",
            "Job runs by job name (label name: 'job' is Prometheus' own) and outcome: ok, retry (arq runs "
            "it again later) or failed.",
            ["name", "outcome"],
            registry=self.registry,
        )
