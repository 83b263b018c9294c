"""Job durations and outcomes, measured around each job function, and the worker's metrics port.

arq's ``Retry`` is the job asking to run again (a backoff), not a failure; anything else raised is a
failure (arq retries it up to ``jobs.max_tries``). The worker serves its series with prometheus_client's
own HTTP server on ``metrics.worker_port``: the worker has no HTTP server of its own to add a route to.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from typing import Any

from arq.worker import Retry
from prometheus_client import start_http_server

from service.jobs.queue import JobFunction
from service.metrics.series import JobSeries
from service.settings import MetricsSettings


def instrumented(jobs: Mapping[str, JobFunction], series: JobSeries) -> dict[str, JobFunction]:
    """The same jobs, each recording its duration and outcome in ``series``."""
    return {name: _measured(name, job, series) for name, job in jobs.items()}


def _measured(name: str, job: JobFunction, series: JobSeries) -> JobFunction:
    @functools.wraps(job)
    async def measured(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        started, outcome = time.perf_counter(), "failed"
        try:
            result = await job(ctx, *args, **kwargs)
            outcome = "ok"
            return result
        except Retry:
            outcome = "retry"
            raise
        finally:
            series.duration.labels(name).observe(time.perf_counter() - started)
            series.runs.labels(name, outcome).inc()

    return measured


class MetricsServer:
    """prometheus_client's HTTP server for the worker's series, on ``settings.worker_port`` when set."""

    def __init__(self, settings: MetricsSettings, series: JobSeries) -> None:
        self.settings = settings
        self.series = series
        self._server: Any = None

    def start(self) -> None:
        if self.settings.worker_port is None:
            return
        self._server, _thread = start_http_server(
            self.settings.worker_port, addr=self.settings.worker_host, registry=self.series.registry
        )

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
