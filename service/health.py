"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from service.http.problems import problem


@get("/healthz", operation_id="health_live", tags=["health"], summary="The process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/readyz", operation_id="health_ready", tags=["health"], summary="Database (and Redis) reachable")
async def readyz(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    services = request.app.state.services
    checks: dict[str, str] = {}
    try:
        await services.database.ping()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    if services.redis is not None:
        try:
            await services.redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"unreachable: {type(exc).__name__}"
    failed = sorted(name for name, state in checks.items() if state != "ok")
    if failed:
        return problem(503, "not_ready", f"not reachable: {', '.join(failed)}", extra={"checks": checks})
    return Response({"status": "ok", "checks": checks})
