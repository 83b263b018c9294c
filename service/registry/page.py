"""``/registry`` and ``/registry/retirements/{id}``: the public registry page, in the dashboard's style and
under its Content-Security-Policy. The page holds no data; it reads the public ``/v1/registry`` API."""

from __future__ import annotations

from functools import cache

from litestar import Response, get

from service.dashboard.routes import SECURITY_HEADERS, STATIC


@cache
def _page() -> bytes:
    return (STATIC / "registry.html").read_bytes()


PATHS = ["/registry", "/registry/retirements/{retirement_id:int}"]


@get(PATHS, include_in_schema=False, sync_to_thread=False)
def registry_page() -> Response[bytes]:
    return Response(_page(), media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)
