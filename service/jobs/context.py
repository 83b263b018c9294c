"""What every job receives: the shared clients, made once per worker (arq ``on_startup``) or app."""

from __future__ import annotations

from typing import Any, TypedDict

from service.db.engine import Database
from service.settings import Settings


class JobContext(TypedDict, total=False):
    settings: Settings
    database: Database
    queue: Any  # service.jobs.queue.JobQueue; Any because arq's ctx is a plain dict
    registry: Any  # service.methodology.registry.Registry
    job_try: int
    tracing: Any  # service.observability.tracing.Tracing, or None: no spans
