"""The API docs page (Swagger UI) with its code served by the service itself: a city's network may reach
nothing else, and a docs page that loads its script from a CDN is blank there."""

from __future__ import annotations

from pathlib import Path

from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

from service.http.static_names import refuse_impossible_names

STATIC = Path(__file__).parent / "static" / "swagger-ui"
ASSETS = "/api-docs-assets"

swagger = SwaggerRenderPlugin(
    path=["/", "/swagger"],
    js_url=f"{ASSETS}/swagger-ui-bundle.js",
    css_url=f"{ASSETS}/swagger-ui.css",
    standalone_preset_js_url=f"{ASSETS}/swagger-ui-standalone-preset.js",
    favicon="<link rel='icon' type='image/svg+xml' href='/dashboard/static/favicon.svg'>",
)
assets = create_static_files_router(
    path=ASSETS, directories=[STATIC], name="api_docs_assets", before_request=refuse_impossible_names
)
