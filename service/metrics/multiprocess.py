"""Several API processes, one answer: prometheus_client's multiprocess mode.

``tanbi serve --workers N`` runs N processes behind one port, and a scrape reaches any one of them. With
``PROMETHEUS_MULTIPROC_DIR`` set before they start, every process writes its counters to files there and
the answering process sums all of them, so each scrape sees every process's requests. prometheus_client
decides this when it is imported, hence the variable is set by ``tanbi serve`` before the workers spawn;
files of an earlier run would be added to this one's, hence the folder is emptied first.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client import CollectorRegistry, multiprocess

ENV = "PROMETHEUS_MULTIPROC_DIR"


def enabled() -> bool:
    return bool(os.environ.get(ENV))


def scrape_registry(own: CollectorRegistry) -> CollectorRegistry:
    """The registry a scrape reads: this process's own, or every process's files summed."""
    if not enabled():
        return own
    summed = CollectorRegistry()
    multiprocess.MultiProcessCollector(summed)
    return summed


def process_exited() -> None:
    """Drop this process's live gauges (the pool) from the sums; its counters stay counted."""
    if enabled():
        multiprocess.mark_process_dead(os.getpid())


@contextmanager
def shared_folder() -> Iterator[Path]:
    """For the duration: ``PROMETHEUS_MULTIPROC_DIR`` names an empty folder (the operator's, or a new
    temporary one, removed afterwards) that the processes started inside inherit."""
    given = os.environ.get(ENV)
    folder = Path(given) if given else Path(tempfile.mkdtemp(prefix="tanbi-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ[ENV] = str(folder)
    try:
        yield folder
    finally:
        if not given:
            shutil.rmtree(folder, ignore_errors=True)
            os.environ.pop(ENV, None)
