"""OPTIONS answers every path without credentials, and its Allow header names every method the path
serves (issue 13: Litestar's automatic handler listed only the first controller's methods)."""

from __future__ import annotations

import re

import httpx
from litestar._openapi.plugin import OpenAPIPlugin

METHODS = ("get", "put", "post", "delete", "patch")


async def test_allow_names_every_documented_method(app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    document = app.plugins.get(OpenAPIPlugin).provide_openapi_schema()
    checked = 0
    for path, item in document["paths"].items():
        documented = {method.upper() for method in item if method in METHODS}
        response = await client.options(re.sub(r"\{[^}]+\}", "1", path))
        assert response.status_code == 204, (path, response.text)
        allowed = {m.strip() for m in response.headers["allow"].split(",")}
        assert documented | {"OPTIONS"} == allowed, path
        checked += 1
    assert checked > 40
