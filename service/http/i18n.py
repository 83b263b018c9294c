"""The language of a response: Chinese first, English on request.

``Accept-Language`` chooses (RFC 9110 §12.5.4, q-values honoured): the first of ``zh`` (any ``zh-*``) and
``en`` (any ``en-*``) by preference wins; ``*`` and anything else count as Chinese; no header, or none we
speak, is Chinese (zh-CN). A response whose words were chosen this way says so: ``Content-Language`` and
``Vary: Accept-Language`` (a shared cache must not hand the Chinese answer to an English client).

Handlers ask ``language_of(request)``; the controllers that answer in a language carry ``LANGUAGE``
(route middleware) which stamps the headers, and problems (service/http/problems.py) stamp their own.
"""

from __future__ import annotations

import enum
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

SCOPE_KEY = "tanbi_language"
MAX_HEADER = 512  # longer headers are not parsed (a hostile header costs nothing)


class Lang(enum.StrEnum):
    ZH = "zh"
    EN = "en"

    @property
    def tag(self) -> str:
        """The language tag sent as ``Content-Language``."""
        return "zh-CN" if self is Lang.ZH else "en"

    def pick(self, zh: str, en: str) -> str:
        """``zh`` or ``en``, whichever this language is."""
        return zh if self is Lang.ZH else en


def negotiate(header: str | None) -> Lang:
    """The language ``header`` (an ``Accept-Language`` value) prefers of the two we speak."""
    if not header or len(header) > MAX_HEADER:
        return Lang.ZH
    best: tuple[float, int, Lang] | None = None
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        lang = _lang_of(tag.strip().lower())
        quality = _quality(params)
        if lang is None or quality <= 0:
            continue
        # Highest q wins; on a tie the earlier entry (the client's own order), as browsers mean it.
        candidate = (quality, -position, lang)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return Lang.ZH if best is None else best[2]


def _lang_of(tag: str) -> Lang | None:
    primary = tag.split("-", 1)[0]
    if primary == "en":
        return Lang.EN
    if primary in ("zh", "*"):
        return Lang.ZH
    return None


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value.strip())
            except ValueError:
                return 0.0
            return quality if 0 <= quality <= 1 else 0.0
    return 1.0


def scope_language(scope: Scope) -> Lang:
    """The request's language, negotiated once and kept in the scope."""
    found = scope.get(SCOPE_KEY)
    if isinstance(found, Lang):
        return found
    raw = dict(scope.get("headers") or []).get(b"accept-language")
    lang = negotiate(raw.decode("latin-1") if raw else None)
    scope[SCOPE_KEY] = lang  # type: ignore[literal-required]
    return lang


def language_of(request: Any) -> Lang:
    """The language ``request`` asked for (a Litestar request, or anything with a ``scope``)."""
    return scope_language(request.scope)


def language_headers(lang: Lang) -> dict[str, str]:
    return {"Content-Language": lang.tag, "Vary": "Accept-Language"}


def stamp(message: Message, lang: Lang) -> None:
    """Add ``Content-Language`` and ``Vary: Accept-Language`` to a response start message (keeping any
    other ``Vary`` it has)."""
    headers = MutableScopeHeaders.from_message(message)
    headers["Content-Language"] = lang.tag
    vary = [v.strip() for v in (headers.get("Vary") or "").split(",") if v.strip()]
    if "accept-language" not in {v.lower() for v in vary}:
        vary.append("Accept-Language")
    headers["Vary"] = ", ".join(vary)


def language_middleware(app: ASGIApp) -> ASGIApp:
    """Route middleware for controllers that answer in the request's language."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        lang = scope_language(scope)

        async def send_stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                stamp(message, lang)
            await send(message)

        await app(scope, receive, send_stamped)

    return middleware


LANGUAGE = [language_middleware]
