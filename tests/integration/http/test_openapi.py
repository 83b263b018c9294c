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


PUBLIC = {  # what anyone may call: sign-in, health, the published methodologies and the merchant directory
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("post", "/v1/auth/api-key"),
    ("post", "/v1/auth/dev"),
    ("post", "/v1/auth/logout"),
    ("post", "/v1/auth/refresh"),
    ("post", "/v1/auth/wechat"),
    ("get", "/v1/methodologies"),
    ("get", "/v1/methodologies/{methodology_id}"),
    ("get", "/v1/methodologies/{methodology_id}/parameter-versions"),
    ("post", "/v1/methodologies/{methodology_id}/quantify"),
    ("get", "/v1/merchants"),
    ("get", "/v1/welfare-projects"),  # public-welfare projects and their progress
    ("get", "/v1/welfare-projects/{project_id}"),
    ("get", "/v1/donations/{serial}"),  # a donation's certificate, for anyone holding its serial
    ("get", "/.well-known/jwks.json"),  # the city's attestation keys, for banks
    ("get", "/v1/attestations/{attestation_id}"),  # the attestations' revocation check, for banks
    # the public carbon registry: anyone can check what was issued, who holds it and what was retired
    ("get", "/v1/registry/projects"),
    ("get", "/v1/registry/batches"),
    ("get", "/v1/registry/batches/{batch_id}"),
    ("get", "/v1/registry/batches/{batch_id}/blocks"),
    ("get", "/v1/registry/batches/{batch_id}/operations"),
    ("get", "/v1/registry/accounts"),
    ("get", "/v1/registry/retirements"),
    ("get", "/v1/registry/retirements/{retirement_id}"),
    ("get", "/v1/registry/retirements/{retirement_id}/certificate.pdf"),
    ("get", "/v1/registry/serials/{serial}"),
}


def _operations(spec: dict) -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    return [
        (method, path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS - {"options", "head"}
    ]


async def test_every_non_public_operation_names_a_declared_security_scheme(client: httpx.AsyncClient) -> None:
    spec = await _spec(client)
    schemes = spec["components"]["securitySchemes"]
    assert {"resident", "merchant", "city", "auditor", "partnerSignature", "ocpiToken"} <= schemes.keys()
    for method, path, operation in _operations(spec):
        named = {name for requirement in operation.get("security", []) for name in requirement}
        assert named <= schemes.keys(), (method, path)
        assert bool(named) != ((method, path) in PUBLIC), (method, path)
    me = spec["paths"]["/v1/me"]["get"]["security"]
    assert me == [{"resident": []}]
    assert spec["paths"]["/v1/partners/{partner_id}/events"]["post"]["security"] == [{"partnerSignature": []}]


async def test_every_operation_lists_its_problems_with_their_codes(client: httpx.AsyncClient) -> None:
    spec = await _spec(client)
    for method, path, operation in _operations(spec):
        problems = {
            status: response["content"]["application/problem+json"]["schema"]["allOf"][1]["properties"][
                "code"
            ]
            for status, response in operation["responses"].items()
            if "application/problem+json" in response.get("content", {})
        }
        assert "unknown_query_parameter" in problems["422"]["enum"], (method, path)
        if operation.get("security") and "/partners/" not in path:
            assert {"missing_token", "invalid_token"} <= set(problems["401"]["enum"]), (method, path)
        if "requestBody" in operation:
            assert "malformed_json" in problems["400"]["enum"], (method, path)
    charge = spec["paths"]["/v1/merchant/charges"]["post"]["responses"]
    codes = charge["409"]["content"]["application/problem+json"]["schema"]["allOf"][1]["properties"]["code"]
    assert "insufficient_funds" in codes["enum"]


async def test_every_property_is_described_and_every_integer_id_bounded(client: httpx.AsyncClient) -> None:
    spec = await _spec(client)
    undescribed = [
        f"{name}.{field}"
        for name, schema in spec["components"]["schemas"].items()
        for field, prop in schema.get("properties", {}).items()
        if "description" not in prop and "$ref" not in prop
    ]
    assert undescribed == []
    unbounded = [
        (method, path, parameter["name"])
        for method, path, operation in _operations(spec)
        for parameter in operation.get("parameters", [])
        if parameter["schema"].get("type") == "integer" and "maximum" not in parameter["schema"]
    ]
    assert unbounded == []


async def test_success_bodies_are_typed_and_csv_is_offered_where_served(client: httpx.AsyncClient) -> None:
    spec = await _spec(client)
    for method, path, operation in _operations(spec):
        for status, response in operation["responses"].items():
            for media, content in response.get("content", {}).items():
                assert content.get("schema"), (method, path, status, media)
    statement = spec["paths"]["/v1/merchant/statements"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "text/csv"} <= statement.keys()
    assert statement["application/json"]["schema"] == {"$ref": "#/components/schemas/StatementOut"}
    days = spec["components"]["schemas"]["StatementOut"]["properties"]["days"]
    assert days["items"]["$ref"].endswith("StatementDayOut")
    status = spec["components"]["schemas"]["VoucherOut"]["properties"]["status"]
    assert status["allOf"] == [{"$ref": "#/components/schemas/VoucherStatus"}]
    assert set(spec["components"]["schemas"]["VoucherStatus"]["enum"]) == {
        "held",
        "consumed",
        "cancelled",
        "lapsed",
    }
