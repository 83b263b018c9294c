"""The OpenAPI document: valid JSON, the core paths, an explicit and unique operationId everywhere."""

from __future__ import annotations

import json
import re
from collections import Counter

import httpx
from litestar import Litestar
from litestar.routes import HTTPRoute

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
CORE_PATHS = {"/healthz", "/readyz", "/v1/auth/dev", "/v1/me"}


async def _spec(client: httpx.AsyncClient) -> dict:  # type: ignore[type-arg]
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)  # strict parse of the raw bytes


async def test_spec_is_json_with_the_core_paths(client: httpx.AsyncClient) -> None:
    spec = await _spec(client)
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"]
    assert spec["paths"].keys() >= CORE_PATHS
    assert "post" in spec["paths"]["/v1/auth/dev"]
    assert "get" in spec["paths"]["/v1/me"]


async def test_every_operation_has_a_unique_operation_id(client: httpx.AsyncClient) -> None:
    spec = await _spec(client)
    ids = [
        operation.get("operationId")
        for item in spec["paths"].values()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]
    assert ids
    assert None not in ids
    duplicates = [name for name, count in Counter(ids).items() if count > 1]
    assert duplicates == []


def test_every_documented_handler_names_its_operation_id(app: Litestar) -> None:
    # Litestar invents ids for handlers without one; those change when a handler is renamed.
    documented = [
        (route.path, handler)
        for route in app.routes
        if isinstance(route, HTTPRoute) and not route.path.startswith("/schema")
        for handler in route.route_handlers
        if handler.resolve_include_in_schema() and "OPTIONS" not in handler.http_methods
    ]
    assert {path for path, _ in documented} >= CORE_PATHS
    unnamed = [path for path, handler in documented if not isinstance(handler.operation_id, str)]
    assert unnamed == []


async def test_the_docs_page_loads_everything_from_the_service(client: httpx.AsyncClient) -> None:
    for page in ("/schema", "/schema/swagger"):
        response = await client.get(page)
        assert response.status_code == 200, page
        loaded = re.findall(r"""(?:src|href)=["']([^"']+)["']""", response.text)
        assert loaded, page
        assert re.findall(r"https?://\S+", response.text) == [], page  # no absolute URL anywhere
        assert [url for url in loaded if "//" in url] == [], page
        for url in loaded:
            asset = await client.get(url)
            assert asset.status_code == 200, url
            assert len(asset.content) > 100, url
