"""The one error mapper: every error leaves as problem+json ``{"type","title","status","code","detail"}``.

Domain errors keep their code; Litestar's own errors (validation, routing, size limits) get stable codes;
anything else is a 500 ``internal``, logged with the request id, its details never sent to the client.
``detail`` is in the request's language (service/http/i18n.py): Chinese from the catalogue by code
(service/http/problem_texts.py), English as raised; the response says which (``Content-Language``).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException

from service.errors import DomainError
from service.http.i18n import Lang, language_headers, scope_language
from service.http.problem_texts import detail_for
from service.http.request_id import request_id_of

log = logging.getLogger("tanbi.http")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://tanbi.example/problems/"

# Stable codes for errors Litestar raises itself.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal",
    503: "unavailable",
}


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    lang: Lang | None = None,
    fields: dict[str, Any] | None = None,
) -> Response[dict[str, Any]]:
    """A problem+json response. With ``lang`` its ``detail`` is in that language (``detail`` as given
    being the English), filled from ``extra`` and ``fields``; without, ``detail`` as given."""
    if lang is not None:
        detail = detail_for(lang, code, status, detail, {**(extra or {}), **(fields or {})})
        headers = {**(headers or {}), **language_headers(lang)}
    body = {
        "type": TYPE_BASE + code,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
        **(extra or {}),
    }
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    retry_after = exc.extra.get("retry_after") if exc.status == 429 else None
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    errors = exc.extra.get("errors")
    summary = _summary(errors) if isinstance(errors, list) and errors else exc.detail
    return problem(
        exc.status,
        exc.code,
        exc.detail,
        title=exc.title,
        extra=exc.extra,
        headers=headers,
        lang=scope_language(request.scope),
        fields={"summary": summary},
    )


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    lang = scope_language(request.scope)
    if isinstance(exc.__cause__, SerializationException):
        return problem(400, "malformed_json", f"the request body is not valid JSON: {exc.detail}", lang=lang)
    if isinstance(exc, ValidationException):
        return _validation_error(exc, lang)
    status = exc.status_code
    if status >= 500:
        return internal_error(request, exc)
    code = HTTP_CODES.get(status, "http_error")
    return problem(status, code, str(exc.detail), headers=exc.headers, lang=lang)


def _validation_error(exc: ValidationException, lang: Lang) -> Response[dict[str, Any]]:
    detail = str(exc.detail)
    errors = _clean_errors(exc.extra)
    summary = _summary(errors) or detail
    return problem(
        422,
        "validation_error",
        summary,
        title="Invalid request",
        extra={"errors": errors},
        lang=lang,
        fields={"summary": summary},
    )


def _clean_errors(extra: Any) -> list[dict[str, Any]]:
    if not isinstance(extra, list):
        return []
    cleaned = []
    for item in extra:
        if isinstance(item, dict):
            cleaned.append(_readable({k: item[k] for k in ("key", "message", "source") if k in item}))
    return cleaned


def _readable(error: dict[str, Any]) -> dict[str, Any]:
    # Litestar reports a missing value by the KeyError's text: "'data'" for an absent request body.
    if error.get("message") == repr(error.get("key")):
        error["message"] = "a JSON request body is required" if error["key"] == "data" else "required"
    return error


def _summary(errors: list[dict[str, Any]]) -> str:
    return "; ".join(f"{e.get('key') or 'body'}: {e.get('message')}" for e in errors[:5])


def too_deep(request: Request[Any, Any, Any], _exc: RecursionError) -> Response[dict[str, Any]]:
    """JSON nested deeper than the parser's recursion limit (a hostile body, never a real request)."""
    lang = scope_language(request.scope)
    return problem(400, "malformed_json", "the request body is nested too deeply", lang=lang)


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    request_id = request_id_of(request.scope)
    log.error("unhandled error, request id %s", request_id, exc_info=exc)
    return problem(
        500,
        "internal",
        f"an internal error occurred; quote request id {request_id} when reporting it",
        extra={"request_id": request_id},
        lang=scope_language(request.scope),
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error,
    HTTPException: http_error,
    RecursionError: too_deep,
    Exception: internal_error,
}

__all__ = ["EXCEPTION_HANDLERS", "MediaType", "problem"]
