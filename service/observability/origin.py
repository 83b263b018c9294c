"""A request's id and trace travel into the jobs it enqueues, so a job's log lines and spans join it.

The queue takes the origin when a job is enqueued (after the request's commit, still in the request's
context) and the job runs inside it: the in-process queue keeps it beside the job's arguments; arq gets
it as the keyword ``_origin``, which ``with_origin`` takes off again before the job function sees it.
A job that enqueues another passes its origin on, so a sweep's batches share the sweep's id.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from service.observability.context import REQUEST_ID, bound

ORIGIN = "_origin"


def current_origin() -> dict[str, str]:
    """What to send with a job enqueued now: the request id and, when tracing, the ``traceparent``."""
    origin: dict[str, str] = {}
    if request_id := REQUEST_ID.get():
        origin["request_id"] = request_id
    # Loaded only by tracing.py: without tracing there is no span to pass on, and nothing is imported.
    propagate = sys.modules.get("opentelemetry.propagate")
    if propagate is not None:
        propagate.inject(origin)
    return origin


async def run_in_origin(
    job: Callable[..., Awaitable[Any]],
    ctx: Mapping[str, Any],
    name: str,
    origin: Mapping[str, str],
    kwargs: dict[str, Any],
    args: tuple[Any, ...] = (),
) -> Any:
    """Run ``job(ctx, *args, **kwargs)`` with the origin's request id in its log lines and, when tracing, in a
    span continuing the origin's trace."""
    tracing = ctx.get("tracing")
    with bound(origin.get("request_id"), name):
        if tracing is None:
            return await job(ctx, *args, **kwargs)
        with tracing.job_span(name, origin, ctx.get("job_try")):
            return await job(ctx, *args, **kwargs)


def with_origin(job: Callable[..., Awaitable[Any]], name: str) -> Callable[..., Awaitable[Any]]:
    """``job`` as arq should call it: the ``_origin`` keyword is taken off and run in (run_in_origin)."""

    @functools.wraps(job)
    async def run(
        ctx: dict[str, Any], *args: Any, _origin: Mapping[str, str] | None = None, **kwargs: Any
    ) -> Any:
        return await run_in_origin(job, ctx, name, _origin or {}, kwargs, args)

    return run
