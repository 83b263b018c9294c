"""Log capture as production writes it: each record formatted as JSON when it is emitted."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from service.observability.logs import JsonFormatter

# The tests' own HTTP client logs each URL it requests; that line is the test's, not the service's.
TEST_CLIENT_LOGGERS = ("httpx", "httpcore")


class JsonLines(logging.Handler):
    """Formats at emit time, as the stream handlers do: the context variables are read then."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith(TEST_CLIENT_LOGGERS):
            self.lines.append(self.format(record))

    def objects(self, logger: str | None = None) -> list[dict[str, Any]]:
        found = [json.loads(line) for line in self.lines]
        return [line for line in found if logger is None or line["logger"] == logger]

    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def json_logs() -> Iterator[JsonLines]:
    """Every record of every logger, DEBUG and up, as the JSON lines production would write."""
    handler, root = JsonLines(), logging.getLogger()
    level = root.level
    # A test before this one may have configured logging as `tanbi worker` does (the access log not
    # propagating, loggers of the time disabled): every line must reach the root's handler here.
    loggers = [lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    saved = [(lg, lg.disabled, lg.propagate) for lg in loggers]
    for logger in loggers:
        logger.disabled, logger.propagate = False, True
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        for logger, disabled, propagate in saved:
            logger.disabled, logger.propagate = disabled, propagate
