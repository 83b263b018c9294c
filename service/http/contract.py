"""The OpenAPI document as the contract clients are generated from.

Litestar writes the document from the handlers: paths, parameters, typed bodies and 2xx responses. This
module completes it, once, when it is first asked for:

- security schemes (a bearer token per role, the partner's Standard Webhooks signature, the OCPI token) and
  each operation's requirement, read from its guards;
- every problem+json response an operation may give, each with the ``code`` values it may carry: the
  common ones follow from the operation's security and inputs, the rest are listed in
  ``service/http/problem_codes.py`` (the suite fails when an operation answers a status or code its
  document does not list);
- the request bodies of the partner routes, which read their body raw to check its signature;
- the methodology reason codes an action may carry, from the installed methodologies.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from pydantic import BaseModel

from service.http.problem_codes import PROBLEMS
from service.http.problem_texts import text_of
from service.http.problems import HTTP_CODES, PROBLEM_JSON
from service.identity.guards import Requires
from service.identity.principal import Role

Operation = tuple[str, str]  # METHOD, path template
METHODS = ("get", "put", "post", "delete", "patch")

ROLE_SCHEMES = {
    Role.RESIDENT: "a resident's access token (POST /v1/auth/dev or /v1/auth/wechat, then /v1/auth/refresh)",
    Role.MERCHANT: "a merchant till's access token (POST /v1/auth/api-key with the merchant's mk_ key)",
    Role.CITY: "a city user's access token (POST /v1/auth/api-key with a ck_ key of role city)",
    Role.AUDITOR: "an auditor's access token (POST /v1/auth/api-key with a ck_ key of role auditor)",
    Role.VERIFIER: (
        "a third-party verifier's access token (POST /v1/auth/api-key with a ck_ key of role verifier)"
    ),
    Role.PARTNER: "a partner's access token",
}
SIGNATURE = "partnerSignature"
OCPI = "ocpiToken"

BEARER_401 = ("missing_token", "invalid_token", "token_expired")
SIGNED_401 = ("bad_signature", "stale_timestamp")
BODY_400 = ("malformed_json",)
ANY_422 = ("unknown_query_parameter", "validation_error")


def install(app: Litestar) -> None:
    """Make ``app`` serve the completed document (its OpenAPI plugin asks ``apply`` once)."""
    plugin = app.plugins.get(OpenAPIPlugin)
    plugin.__class__ = _ContractPlugin


class _ContractPlugin(OpenAPIPlugin):
    __slots__ = ()

    def provide_openapi_schema(self) -> dict[str, Any]:
        if not self._openapi_schema:
            self._openapi_schema = apply(self.provide_openapi().to_schema(), self.app)
        return self._openapi_schema


def apply(document: dict[str, Any], app: Litestar) -> dict[str, Any]:
    document = copy.deepcopy(document)
    components = document.setdefault("components", {})
    components["securitySchemes"] = _schemes()
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = _problem_schema()
    _enumerate_reasons(schemas)
    guards = _guards(app)
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            key = (method.upper(), path)
            security = _security(path, guards.get(key))
            operation["security"] = [{name: []} for name in security]
            _add_body(path, method, operation, schemas)
            _add_problems(key, operation, security)
    return document


def _enumerate_reasons(schemas: dict[str, Any]) -> None:
    """``reasons`` arrays hold reason codes: every code an installed methodology version may give."""
    from service.methodology.registry import load_registry, reason_meanings

    registry = load_registry()
    codes = sorted(
        {
            code
            for versions in registry.versions.values()
            for m in versions.values()
            for code in reason_meanings(m)
        }
    )
    for schema in schemas.values():
        found = schema.get("properties", {}).get("reasons")
        if found and found.get("type") == "array" and found.get("items", {}).get("type") == "string":
            found["items"]["enum"] = codes


def _schemes() -> dict[str, Any]:
    schemes: dict[str, Any] = {
        str(role): {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": text}
        for role, text in ROLE_SCHEMES.items()
    }
    schemes[SIGNATURE] = {
        "type": "apiKey",
        "in": "header",
        "name": "webhook-signature",
        "description": (
            "Standard Webhooks: HMAC-SHA256 with the partner's secret over "
            "'{webhook-id}.{webhook-timestamp}.{body}', sent as 'v1,<base64>' with the webhook-id and "
            "webhook-timestamp headers. A webhook-id is one request: the same request again gets the stored "
            "answer, another request with it is 409 webhook_id_reused, and a signed GET is valid once. "
            "See docs/partners.md."
        ),
    }
    schemes[OCPI] = {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "OCPI 2.2.1: 'Token <the partner's OCPI token>' (plain or base64).",
    }
    return schemes


def _problem_schema() -> dict[str, Any]:
    text = {"type": "string"}
    return {
        "type": "object",
        "description": "An error (RFC 9457 problem details); switch on `code`, show `detail`.",
        "required": ["type", "title", "status", "code", "detail"],
        "properties": {
            "type": text | {"format": "uri", "description": "a URI naming the problem: its code"},
            "title": text | {"description": "the status's short name"},
            "status": {"type": "integer", "description": "the HTTP status, repeated"},
            "code": text | {"description": "stable machine-readable code; the operation lists its values"},
            "detail": text | {"description": "what went wrong, for a person"},
            "errors": {
                "type": "array",
                "description": "validation_error: each invalid input (its key, message and source)",
                "items": {"type": "object", "additionalProperties": True},
            },
            "retry_after": {"type": "integer", "description": "rate_limited: seconds to wait"},
            "request_id": text | {"description": "internal: quote it when reporting the error"},
        },
        "additionalProperties": True,
    }


def _guards(app: Litestar) -> dict[Operation, frozenset[str]]:
    """Each operation's allowed roles, from its ``Requires`` guards (handler, controller or router)."""
    found: dict[Operation, frozenset[str]] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            # Litestar wraps a sync guard (AsyncCallable); the Requires object is its ``func``.
            guards = [getattr(guard, "func", guard) for guard in handler.resolve_guards()]
            roles = frozenset(str(r) for g in guards if isinstance(g, Requires) for r in g.roles)
            for method in handler.http_methods:
                found[(method, route.path_format)] = roles
    return found


def _security(path: str, roles: frozenset[str] | None) -> list[str]:
    if path.startswith("/v1/partners/{partner_id}"):
        return [OCPI] if "/ocpi/" in path else [SIGNATURE]
    return sorted(roles or ())


def _add_body(path: str, method: str, operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """The request bodies Litestar cannot see: handlers that read raw bytes to check a signature."""
    model = RAW_BODIES.get((method.upper(), path))
    if model is None:
        return
    operation["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": _component(model, schemas)}},
    }


def _component(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    schemas.setdefault(model.__name__, schema)
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _add_problems(key: Operation, operation: dict[str, Any], security: list[str]) -> None:
    codes = _expected(key, operation, security)
    responses = operation.setdefault("responses", {})
    responses.pop("400", None)  # Litestar's own 400 (its ValidationException shape): not what is sent
    for status, listed in sorted(codes.items()):
        responses[str(status)] = {
            "description": _describe(status, listed),
            "content": {
                PROBLEM_JSON: {
                    "schema": {
                        "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                                "type": "object",
                                "properties": {"code": {"type": "string", "enum": sorted(listed)}},
                            },
                        ]
                    }
                }
            },
        }


def _expected(key: Operation, operation: dict[str, Any], security: list[str]) -> dict[int, set[str]]:
    """Every (status, code) the operation may answer: what its security and inputs imply, and its own."""
    codes: dict[int, set[str]] = {}

    def add(status: int, names: Iterable[str]) -> None:
        codes.setdefault(status, set()).update(names)

    add(422, ANY_422)
    if "{" in key[1]:
        add(404, ["not_found"])  # a path value of the wrong type matches no route
    if any(p.get("in") == "query" and p.get("name") == "cursor" for p in operation.get("parameters", [])):
        add(422, ["invalid_cursor"])  # a cursor the API did not give out
    if "requestBody" in operation:
        add(400, BODY_400)
        add(413, [HTTP_CODES[413]])
    if set(security) & {str(r) for r in ROLE_SCHEMES}:
        add(401, BEARER_401)
        add(403, ["wrong_role"])
        if str(Role.RESIDENT) in security:
            add(401, ["account_deleted"])
            add(404, ["resident_not_found"])  # a token whose resident never existed
    if SIGNATURE in security:
        add(401, SIGNED_401)
        add(404, ["unknown_partner"])
        add(409, ["webhook_id_reused"])
    if OCPI in security:
        add(401, ["bad_token"])
        add(404, ["unknown_partner"])
    for status, names in PROBLEMS.get(key, {}).items():
        add(status, names)
    return codes


def _describe(status: int, codes: Iterable[str] = ()) -> str:
    """The status, and what each of its codes means (English / 中文, service/http/problem_texts.py); the
    ``detail`` is sent in the request's language."""
    lines = [f"{HTTPStatus(status).phrase} (problem+json; see `code`; `detail` in the Accept-Language)"]
    for code in sorted(codes):
        zh, en = text_of(code, status)
        lines.append(f"- `{code}`: {_plain(en)} / {_plain(zh)}")
    return "\n".join(lines)


def _plain(template: str) -> str:
    """A template as documentation: its blanks named, e.g. "try again in <retry_after> s"."""
    return template.replace("{", "<").replace("}", ">")


def _raw_bodies() -> dict[Operation, type[BaseModel]]:
    from service.partners.ocpi import Cdr
    from service.partners.schemas import AssetRecordIn, Batch, LinkTokenIn

    base = "/v1/partners/{partner_id}"
    return {
        ("POST", f"{base}/events"): Batch,
        ("POST", f"{base}/link-tokens"): LinkTokenIn,
        ("PUT", f"{base}/assets/{{kind}}/{{ref}}"): AssetRecordIn,
        ("POST", f"{base}/ocpi/2.2.1/cdrs"): Cdr,
    }


RAW_BODIES = _raw_bodies()
