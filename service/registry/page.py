"""``/registry`` and ``/registry/retirements/{id}``: the public registry page, in the dashboard's style and
under its Content-Security-Policy. The page holds no data; it reads the public ``/v1/registry`` API."""

from __future__ import annotations

from litestar import Response, get

from service.dashboard.routes import html_page

PATHS = ["/registry", "/registry/retirements/{retirement_id:int}"]


@get(PATHS, include_in_schema=False, sync_to_thread=False)
def registry_page() -> Response[bytes]:
    return html_page("registry.html")
