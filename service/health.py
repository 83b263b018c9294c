"""Liveness and readiness."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response, get

from service.http.i18n import language_of
from service.http.problems import problem

# A probe must answer even when a dependency hangs instead of refusing: a stuck check counts as failed.
CHECK_TIMEOUT_SECONDS = 3.0


@get("/healthz", operation_id="health_live", tags=["health"], summary="The process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/readyz", operation_id="health_ready", tags=["health"], summary="Database (and Redis) reachable")
async def readyz(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    services = request.app.state.services
    checks = {"database": await _check(services.database.ping)}
    if services.redis is not None:
        checks["redis"] = await _check(services.redis.ping)
    if services.read_database is not None:
        checks["replica"] = await _check(services.read_database.ping)
    failed = sorted(name for name, state in checks.items() if state != "ok")
    if failed:
        detail = f"not reachable: {', '.join(failed)}"
        lang, fields = language_of(request), {"unreachable": failed}
        return problem(503, "not_ready", detail, extra={"checks": checks}, lang=lang, fields=fields)
    body: dict[str, Any] = {"status": "ok", "checks": checks}
    if services.replica_lag is not None:
        body["replica_lag_seconds"] = await services.replica_lag.seconds()
    return Response(body)


async def _check(ping: Callable[[], Awaitable[Any]]) -> str:
    """``"ok"``, or why not (the exception's type only: its text may hold a host name or a password)."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await ping()
    except Exception as exc:
        return f"unreachable: {type(exc).__name__}"
    return "ok"
