"""Log lines: one JSON object per line in production, readable text in the embedded default's terminal.

Every line names its time, level, logger and message, and, when there is one, the request id and the job
it was written for (context.py) and the trace it belongs to. Records may add their own fields with
``extra={"fields": {...}}`` (the access log does). Nothing here looks at a request: what must never reach
a log (tokens, keys, phone numbers, subjects) is kept out by what the callers pass.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import logging.config
import sys
from typing import Any

from service.observability.context import JOB, REQUEST_ID

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(_context())
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _context() -> dict[str, str]:
    found = {"request_id": REQUEST_ID.get(), "job": JOB.get(), **_trace()}
    return {key: value for key, value in found.items() if value}


def _trace() -> dict[str, str]:
    # Only when tracing was started: the OpenTelemetry API is not imported for the logs' sake.
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return {}
    span = trace.get_current_span().get_span_context()
    if not span.is_valid:
        return {}
    return {"trace_id": format(span.trace_id, "032x"), "span_id": format(span.span_id, "016x")}


def logging_config(log_format: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for ``log_format`` (json or text): uvicorn's loggers, ours, the
    root, and the access log (``tanbi.access``) on stdout. uvicorn is given it as its ``log_config`` so
    every worker process it starts logs the same way."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    as_json = log_format == "json"
    if as_json:
        config["formatters"] = {name: {"()": JsonFormatter} for name in config["formatters"]}
    plain = {"()": JsonFormatter} if as_json else {"format": TEXT_FORMAT}
    config["formatters"]["tanbi"] = plain
    config["formatters"]["tanbi_access"] = (
        {"()": JsonFormatter} if as_json else {"format": "%(asctime)s %(message)s"}
    )
    config["handlers"]["tanbi"] = {
        "formatter": "tanbi",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["handlers"]["tanbi_access"] = {
        "formatter": "tanbi_access",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stdout",
    }
    config["loggers"]["tanbi.access"] = {"handlers": ["tanbi_access"], "level": "INFO", "propagate": False}
    config["loggers"]["alembic"] = {"level": "WARNING"}
    config["root"] = {"handlers": ["tanbi"], "level": "INFO"}
    return config


def configure_logging(log_format: str) -> None:
    """Log this process's lines as ``log_format`` (commands other than serve; uvicorn does it for serve)."""
    logging.config.dictConfig(logging_config(log_format))
