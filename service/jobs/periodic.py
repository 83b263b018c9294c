"""The embedded default's stand-in for arq cron: run each periodic job every N seconds in this process."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from service.jobs.context import JobContext
from service.jobs.registry import JOBS, PERIODIC

log = logging.getLogger("tanbi.jobs")


class PeriodicRunner:
    def __init__(self, context: JobContext) -> None:
        self.context = context
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        settings = self.context["settings"].jobs
        for periodic in PERIODIC:
            interval = getattr(settings, periodic.setting)
            self._tasks.append(asyncio.create_task(self._loop(periodic.name, interval), name=periodic.name))

    async def _loop(self, name: str, interval: float) -> None:
        while True:
            try:
                await JOBS[name]({**self.context, "job_try": 1})
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
