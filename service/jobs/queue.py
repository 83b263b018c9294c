"""Queues behind ``enqueue``: arq on Redis in production, an in-process runner in the embedded default."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, nullcontext
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from service.db.engine import Database
from service.jobs.context import JobContext
from service.observability.context import bound
from service.observability.origin import ORIGIN, current_origin, run_in_origin

log = logging.getLogger("tanbi.jobs")

DEFERRED = "tanbi_deferred_jobs"
JobFunction = Callable[..., Awaitable[Any]]


class JobQueue(Protocol):
    async def enqueue(self, name: str, **kwargs: Any) -> bool:
        """Queue job ``name``; False if it could not be queued (the caller's sweeper will retry)."""
        ...

    async def close(self) -> None: ...


def defer(session: AsyncSession, name: str, **kwargs: Any) -> None:
    """Queue job ``name`` once ``session``'s transaction commits (never if it rolls back)."""
    session.info.setdefault(DEFERRED, []).append((name, kwargs))


async def dispatch(session: AsyncSession, queue: JobQueue) -> None:
    """Enqueue what the committed transaction deferred."""
    for name, kwargs in session.info.pop(DEFERRED, []):
        await queue.enqueue(name, **kwargs)


@asynccontextmanager
async def unit_of_work(database: Database, queue: JobQueue) -> AsyncIterator[AsyncSession]:
    """One transaction: commit on success, then enqueue its deferred jobs; roll back on error."""
    async with database.sessions() as session:
        async with session.begin():
            yield session
        await dispatch(session, queue)


class ArqQueue:
    def __init__(self, pool: Any, queue_name: str) -> None:
        self.pool = pool
        self.queue_name = queue_name

    async def enqueue(self, name: str, **kwargs: Any) -> bool:
        try:
            # The job runs with its request's id and trace (service/observability/origin.py).
            origin = {ORIGIN: found} if (found := current_origin()) else {}
            await self.pool.enqueue_job(name, _queue_name=self.queue_name, **kwargs, **origin)
        except (OSError, ConnectionError, TimeoutError) as exc:
            log.warning("could not enqueue %s: %s", name, exc)
            return False
        except Exception as exc:  # redis-py raises its own ConnectionError tree
            if type(exc).__module__.startswith("redis"):
                log.warning("could not enqueue %s: %s", name, exc)
                return False
            raise
        return True

    async def close(self) -> None:
        await self.pool.aclose()


class InProcessQueue:
    """Runs jobs as tasks of this process, retrying failures with backoff, like arq would.

    With ``run_immediately`` False jobs wait until ``drain()`` runs them one by one: deterministic, for
    tests whose sessions share one connection and so must not run concurrently. ``concurrency`` caps the
    jobs running at once: on SQLite, which has one writer, jobs run one at a time instead of queueing on
    its lock until the busy timeout fails them.
    """

    def __init__(
        self,
        jobs: dict[str, JobFunction],
        context: JobContext,
        max_tries: int = 5,
        run_immediately: bool = True,
        concurrency: int | None = None,
    ) -> None:
        self.jobs = jobs
        self.context = context
        self.max_tries = max_tries
        self.run_immediately = run_immediately
        self._tasks: set[asyncio.Task[Any]] = set()
        self._waiting: list[tuple[str, dict[str, Any], dict[str, str]]] = []
        self._slots = asyncio.Semaphore(concurrency) if concurrency else None

    async def enqueue(self, name: str, **kwargs: Any) -> bool:
        if name not in self.jobs:
            raise KeyError(f"unknown job {name!r}")
        origin = current_origin()  # the enqueuing request's id and trace, for the job's logs and span
        if not self.run_immediately:
            self._waiting.append((name, kwargs, origin))
            return True
        task = asyncio.create_task(self._run(name, kwargs, origin), name=f"job:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _run(self, name: str, kwargs: dict[str, Any], origin: dict[str, str]) -> Any:
        with bound(origin.get("request_id"), name):  # the failure lines too
            for attempt in range(1, self.max_tries + 1):
                try:
                    return await self._attempt(name, kwargs, attempt, origin)
                except Exception:
                    log.exception("job %s failed (try %d of %d)", name, attempt, self.max_tries)
                    if attempt < self.max_tries:
                        await asyncio.sleep(min(0.1 * 2**attempt, 5))
        return None

    async def _attempt(self, name: str, kwargs: dict[str, Any], attempt: int, origin: dict[str, str]) -> Any:
        async with self._slots or nullcontext():
            context = {**self.context, "job_try": attempt}
            return await run_in_origin(self.jobs[name], context, name, origin, kwargs)

    async def drain(self) -> None:
        """Wait until every queued job (and any job those enqueue) has finished."""
        while self._tasks or self._waiting:
            if self._waiting:
                name, kwargs, origin = self._waiting.pop(0)
                await self._run(name, kwargs, origin)
            else:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
