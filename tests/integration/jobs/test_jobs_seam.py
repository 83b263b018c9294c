"""The jobs seam: deferred jobs leave only after commit; in-process retries; a real arq worker on Redis."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from arq.worker import Worker
from click.testing import CliRunner

from service.cli import main
from service.jobs.periodic import PeriodicRunner
from service.jobs.queue import ArqQueue, InProcessQueue, defer, unit_of_work
from service.jobs.registry import PERIODIC
from service.jobs.worker import worker_settings
from service.ledger.models import Hold, HoldStatus, Lot
from service.ledger.service import TransferRequest
from service.ledger.verify import verify_ledger
from service.services import redis_pool
from tests.conftest import make_settings
from tests.integration.ledger.helpers import issue_one, ledger, resident


class Recorder:
    def __init__(self, fail_times: int = 0) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail_times = fail_times

    async def __call__(self, ctx: dict[str, Any], **kwargs: Any) -> None:
        self.calls.append({"try": ctx.get("job_try"), **kwargs})
        if len(self.calls) <= self.fail_times:
            raise RuntimeError("transient")


async def test_deferred_jobs_are_enqueued_after_commit_only(database) -> None:  # type: ignore[no-untyped-def]
    record = Recorder()
    queue = InProcessQueue({"record": record}, {})
    async with unit_of_work(database, queue) as session:
        defer(session, "record", n=1)
        assert record.calls == []  # nothing leaves before the commit
    await queue.drain()
    assert record.calls == [{"try": 1, "n": 1}]
    with pytest.raises(RuntimeError):
        await _failing_transaction(database, queue)
    await queue.drain()
    assert [c["n"] for c in record.calls] == [1], "a rolled-back transaction enqueues nothing"


async def _failing_transaction(database, queue) -> None:  # type: ignore[no-untyped-def]
    async with unit_of_work(database, queue) as session:
        defer(session, "record", n=2)
        raise RuntimeError("the transaction fails")


async def test_in_process_queue_retries_then_gives_up() -> None:
    flaky, hopeless = Recorder(fail_times=2), Recorder(fail_times=99)
    queue = InProcessQueue({"flaky": flaky, "hopeless": hopeless}, {}, max_tries=3)
    await queue.enqueue("flaky")
    await queue.enqueue("hopeless")
    await queue.drain()
    assert [c["try"] for c in flaky.calls] == [1, 2, 3]
    assert [c["try"] for c in hopeless.calls] == [1, 2, 3]
    with pytest.raises(KeyError):
        await queue.enqueue("no_such_job")


@pytest.mark.parametrize(("concurrency", "most"), [(1, 1), (3, 3), (None, 8)])
async def test_in_process_queue_runs_at_most_concurrency_jobs_at_once(concurrency, most) -> None:  # type: ignore[no-untyped-def]
    running, seen = 0, []

    async def slow(ctx: dict[str, Any]) -> None:
        nonlocal running
        running += 1
        seen.append(running)
        await asyncio.sleep(0.01)
        running -= 1

    queue = InProcessQueue({"slow": slow}, {}, concurrency=concurrency)
    for _ in range(8):
        await queue.enqueue("slow")
    await queue.drain()
    assert (len(seen), max(seen)) == (8, most)


async def test_enqueue_reports_an_unreachable_redis_instead_of_raising(unique_queue: str) -> None:
    pool = redis_pool("redis://127.0.0.1:1/0", unique_queue)
    queue = ArqQueue(pool, unique_queue)
    try:
        assert await queue.enqueue("void_expired_holds") is False
    finally:
        await queue.close()


def test_worker_has_the_periodic_jobs_as_cron(tmp_path, test_redis_url: str) -> None:  # type: ignore[no-untyped-def]
    options = worker_settings(make_settings(tmp_path, None, redis_url=test_redis_url))
    assert {c.name for c in options["cron_jobs"]} == {f"cron:{p.name}" for p in PERIODIC}
    assert {"void_expired_holds", "expire_lots"} <= {f.name for f in options["functions"]}


def test_worker_needs_redis(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TANBI_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["worker"])
    assert result.exit_code == 2
    assert "needs TANBI_REDIS_URL" in result.output


async def test_real_arq_worker_runs_ledger_jobs_idempotently(
    pg_committed, pg_url, tmp_path, test_redis_url, unique_queue
) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, pg_url, redis_url=test_redis_url)
    settings = settings.model_copy(
        update={"jobs": settings.jobs.model_copy(update={"queue_name": unique_queue})}
    )
    now = dt.datetime.now(dt.UTC)
    async with pg_committed.session() as session:
        book = ledger(session, settings)
        book.clock = lambda: now
        rid = await resident(session)
        await issue_one(book, rid, 50, "seed")
        wallet, shop = await book.wallet(rid), await book.merchant_account(1)
        hold = await book.hold(
            TransferRequest(wallet.id, shop.id, 20, "voucher", "h"), expires_at=now + dt.timedelta(seconds=1)
        )
        # This wallet's lot expired yesterday (set by hand: the worker's clock is the real one).
        await session.execute(sa.update(Lot).values(expires_at=now - dt.timedelta(days=1)))
    await asyncio.sleep(1.2)
    pool = redis_pool(test_redis_url, unique_queue)
    queue = ArqQueue(pool, unique_queue)
    try:
        for _ in range(2):  # arq may run a job twice: the second run must change nothing
            assert await queue.enqueue("void_expired_holds")
            assert await queue.enqueue("expire_lots")
            options = worker_settings(settings) | {
                "cron_jobs": [],
                "handle_signals": False,
                "poll_delay": 0.05,
            }
            worker = Worker(**options, burst=True)
            await worker.main()
            await worker.close()
            assert worker.jobs_failed == 0
        async with pg_committed.session() as session:
            stored = await session.get(Hold, hold.id)
            assert stored is not None
            assert stored.status == HoldStatus.VOIDED
            book = ledger(session, settings)
            assert (await book.wallet(rid)).balance == 0
            assert (await book.expiry_account()).balance == 50
            assert (await verify_ledger(session)).ok
    finally:
        keys = [k async for k in pool.scan_iter(match=f"{unique_queue}*")]
        if keys:
            await pool.delete(*keys)
        await queue.close()


async def test_a_periodic_job_the_caller_just_ran_waits_its_interval(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The embedded service publishes the city before it serves; the periodic loop must not publish again
    at once (a second publication held the first requests back), while every other job runs at start."""
    jobs = {p.name: Recorder() for p in PERIODIC}
    runner = PeriodicRunner({"settings": make_settings(tmp_path, None)}, jobs=jobs)
    runner.start(just_ran={"publish_city"})
    await asyncio.sleep(0)  # every loop takes its first step
    await runner.stop()
    ran = {name for name, job in jobs.items() if job.calls}
    assert ran == {p.name for p in PERIODIC} - {"publish_city"}
