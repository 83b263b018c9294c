"""The embedded default's stand-in for arq cron: run each periodic job every N seconds in this process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection, Mapping
from typing import Any

from service.jobs.context import JobContext
from service.jobs.registry import JOBS, PERIODIC
from service.observability.origin import run_in_origin

log = logging.getLogger("tanbi.jobs")


class PeriodicRunner:
    def __init__(self, context: JobContext, jobs: Mapping[str, Any] = JOBS) -> None:
        self.context = context
        self.jobs = jobs
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, just_ran: Collection[str] = ()) -> None:
        """Run every periodic job now and then every interval; one named in ``just_ran`` (the caller ran
        it before starting) waits its interval first: running it again at once only delays what follows."""
        settings = self.context["settings"].jobs
        for periodic in PERIODIC:
            interval = getattr(settings, periodic.setting)
            loop = self._loop(periodic.name, interval, wait_first=periodic.name in just_ran)
            self._tasks.append(asyncio.create_task(loop, name=periodic.name))

    async def _loop(self, name: str, interval: float, *, wait_first: bool) -> None:
        if wait_first:
            await asyncio.sleep(interval)
        while True:
            try:
                # No request behind it: its lines name the job, its span starts a trace.
                await run_in_origin(self.jobs[name], {**self.context, "job_try": 1}, name, {}, {})
            except Exception:
                log.exception("periodic job %s failed; next run in %ss", name, interval)
            await asyncio.sleep(interval)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
