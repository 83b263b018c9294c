"""The worker's own metrics port: job durations and outcomes after a real arq worker ran jobs."""

from __future__ import annotations

import socket

import httpx
from arq.worker import Worker

from service.jobs.queue import ArqQueue
from service.jobs.worker import worker_settings
from service.services import redis_pool
from service.settings import MetricsSettings
from tests.conftest import make_settings
from tests.integration.metrics.conftest import samples, value


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_worker_serves_job_durations_and_failures(
    pg_committed, pg_url, tmp_path, test_redis_url, unique_queue
) -> None:  # type: ignore[no-untyped-def]
    port = _free_port()
    settings = make_settings(
        tmp_path,
        pg_url,
        redis_url=test_redis_url,
        metrics=MetricsSettings(worker_port=port, worker_host="127.0.0.1"),
    )
    settings = settings.model_copy(
        update={"jobs": settings.jobs.model_copy(update={"queue_name": unique_queue})}
    )
    pool = redis_pool(test_redis_url, unique_queue)
    queue = ArqQueue(pool, unique_queue)
    options = worker_settings(settings) | {"cron_jobs": [], "handle_signals": False, "poll_delay": 0.05}
    worker = Worker(**options, burst=True)
    try:
        assert await queue.enqueue("void_expired_holds")
        assert await queue.enqueue("void_expired_holds")
        assert await queue.enqueue("expire_lots", unexpected=1)  # a TypeError: the run fails
        await worker.main()
        async with httpx.AsyncClient() as http:
            response = await http.get(f"http://127.0.0.1:{port}/metrics")
        found = samples(response.text)
    finally:
        await worker.close()
        keys = [k async for k in pool.scan_iter(match=f"{unique_queue}*")]
        if keys:
            await pool.delete(*keys)
        await queue.close()
    assert value(found, "tanbi_job_runs_total", name="void_expired_holds", outcome="ok") == 2
    assert value(found, "tanbi_job_runs_total", name="expire_lots", outcome="failed") == 1
    assert value(found, "tanbi_job_duration_seconds_count", name="void_expired_holds") == 2
    assert value(found, "tanbi_job_duration_seconds_bucket", name="expire_lots", le="+Inf") == 1
