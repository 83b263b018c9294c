"""``/dashboard`` and its static files. The page holds no data: the browser signs in with a city user's key
and reads ``/v1/city/*`` like any other client, so the page can be public and cached.

Everything it runs is served from here (ECharts included); the Content-Security-Policy forbids any other
origin, so the page cannot reach, or be made to reach, the network beyond the service.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from litestar import Response, get
from litestar.static_files import create_static_files_router

from service.http.static_names import refuse_impossible_names

STATIC = Path(__file__).parent / "static"
# ECharts writes style attributes into its tooltips, hence 'unsafe-inline' for styles only; no script
# runs but the files below.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
}


@get("/dashboard", include_in_schema=False, sync_to_thread=False)
def dashboard() -> Response[bytes]:
    return html_page("index.html")


def html_page(name: str) -> Response[bytes]:
    """One of the static HTML pages, under the dashboard's security headers."""
    return Response(_read(name), media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)


@cache
def _read(name: str) -> bytes:
    return (STATIC / name).read_bytes()


async def _secure(response: Response) -> Response:  # type: ignore[type-arg]
    response.headers.update(SECURITY_HEADERS)
    return response


static_files = create_static_files_router(
    path="/dashboard/static",
    directories=[STATIC],
    name="dashboard_static",
    after_request=_secure,
    before_request=refuse_impossible_names,
)
