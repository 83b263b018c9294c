"""Cacheable reads: each process keeps the exact body bytes of a route variant with their ETag, and answers
conditional requests from them.

The methodology documentation and the offer list are read far more often than they change, and building
them costs database round trips and serialising large JSON schemas. Here a hit is a dictionary lookup:
no database, no serialisation, and a matching ``If-None-Match`` gets ``304 Not Modified`` with no body.

Staleness guarantee (``TTL_SECONDS``, 1 s): an entry is rebuilt once it is older than the TTL, so a change
shows in every process within 1 s of its commit. A change made through this process (a parameter version
published, an offer edited or approved) drops its namespace's entries when the request's transaction
commits, so the process that made it answers with it at once. Changes no request announces (stock moved
by a claim, a voucher lapsing, a parameter version or an offer's window taking effect as time passes) show
within the TTL too. Clients and HTTP caches may keep a response for its ``max-age`` on top of that, then
revalidate with ``If-None-Match``.

ETags are strong: a hash of the exact body bytes, so every process gives equal bodies the same tag and a
client may revalidate against any of them. ``If-None-Match`` is evaluated as RFC 9110 section 13.1.2 says:
``*``, or a list of entity tags compared weakly (``W/"x"`` matches ``"x"``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar, Request, Response
from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Schema,
)
from litestar.serialization import encode_json
from pydantic import BaseModel
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

TTL_SECONDS = 1.0
MAX_ENTRIES = 512  # offer pages are keyed by cursor and limit: bound what a crawler can make us keep
STATE_KEY = "response_cache"
# An entity tag inside If-None-Match, weak or strong; the opaque tag (quotes included) is what compares.
ENTITY_TAG = re.compile(r'(?:W/)?("[^"]*")')

Key = tuple[str, ...]  # (namespace, variant...)
Build = Callable[[], Awaitable[bytes]]


@dataclass(frozen=True)
class CachePolicy:
    """How a family of routes is cached: the namespace a change invalidates, and the HTTP headers."""

    namespace: str
    cache_control: str
    vary: str | None = None  # the request headers the body depends on

    def headers(self, etag: str) -> dict[str, str]:
        headers = {"etag": etag, "cache-control": self.cache_control}
        if self.vary:
            headers["vary"] = self.vary
        return headers


@dataclass(frozen=True)
class Cached:
    body: bytes
    etag: str
    built_at: float  # on the cache's clock


def entity_tag(body: bytes) -> str:
    """A strong ETag for ``body``: its SHA-256, base64url, quoted."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(body).digest()).rstrip(b"=").decode()
    return f'"{digest}"'


@dataclass
class ResponseCache:
    """Bodies by key, each served for ``ttl`` seconds of ``clock`` (monotonic; tests pass their own).

    Concurrent misses of one key share one build. A build that started before an invalidation of its
    namespace answers the requests that were waiting for it but is not kept: it may have read the data
    from before the change.
    """

    ttl: float = TTL_SECONDS
    clock: Callable[[], float] = time.monotonic
    max_entries: int = MAX_ENTRIES
    _entries: dict[Key, Cached] = field(default_factory=dict)
    _building: dict[Key, asyncio.Task[Cached]] = field(default_factory=dict)
    _generations: dict[str, int] = field(default_factory=dict)

    async def get(self, key: Key, build: Build) -> Cached:
        entry = self._entries.get(key)
        if entry is not None and self.clock() - entry.built_at < self.ttl:
            return entry
        task = self._building.get(key)
        if task is None:
            # The generation is read now, not when the task first runs: an invalidation in between
            # must make its result unkeepable.
            task = asyncio.ensure_future(self._build(key, build, self._generations.get(key[0], 0)))
            self._building[key] = task
        # Shielded: a client that hangs up must not cancel the build the others are waiting for.
        return await asyncio.shield(task)

    def invalidate(self, namespace: str) -> None:
        """Forget ``namespace``: the next request builds its body again."""
        self._generations[namespace] = self._generations.get(namespace, 0) + 1
        for key in [k for k in self._entries if k[0] == namespace]:
            del self._entries[key]
        for key in [k for k in self._building if k[0] == namespace]:
            del self._building[key]

    def invalidate_on_commit(self, session: AsyncSession, namespace: str) -> None:
        """Forget ``namespace`` when ``session`` commits: before it, a rebuild would still read the old
        data; after it, and before the response is sent, the next request sees the change."""
        event.listen(
            session.sync_session, "after_commit", lambda _session: self.invalidate(namespace), once=True
        )

    async def _build(self, key: Key, build: Build, generation: int) -> Cached:
        try:
            body = await build()
            entry = Cached(body=body, etag=entity_tag(body), built_at=self.clock())
            if self._generations.get(key[0], 0) == generation:
                self._store(key, entry)
            return entry
        finally:
            if self._building.get(key) is asyncio.current_task():
                del self._building[key]

    def _store(self, key: Key, entry: Cached) -> None:
        self._entries.pop(key, None)  # re-inserted last: eviction drops the least recently built
        while len(self._entries) >= self.max_entries:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = entry


def response_cache(app: Litestar) -> ResponseCache:
    """``app``'s cache (one per process; made on first use)."""
    cache: ResponseCache | None = app.state.get(STATE_KEY)
    if cache is None:
        cache = app.state[STATE_KEY] = ResponseCache()
    return cache


async def cached_response(
    request: Request[Any, Any, Any], policy: CachePolicy, variant: Sequence[str], build: Build
) -> Response[Any]:
    """The cached body of ``variant`` (``build`` makes its bytes on a miss), or 304 if the client has it."""
    entry = await response_cache(request.app).get((policy.namespace, *variant), build)
    headers = policy.headers(entry.etag)
    if not_modified(_if_none_match_lines(request), entry.etag):
        return Response(b"", status_code=304, headers=headers)
    return Response(entry.body, media_type="application/json", headers=headers)


def _if_none_match_lines(request: Request[Any, Any, Any]) -> list[str]:
    # Read from the raw ASGI headers: building Litestar's Headers costs a hit as much as the rest of it.
    return [value.decode("latin-1") for name, value in request.scope["headers"] if name == b"if-none-match"]


def not_modified(if_none_match: Sequence[str], etag: str) -> bool:
    """Whether If-None-Match (its field lines) matches ``etag`` for a GET: RFC 9110 section 13.1.2."""
    value = ", ".join(if_none_match).strip()
    if not value:
        return False
    if value == "*":
        return True  # "any current representation": there is one
    return etag in ENTITY_TAG.findall(value)


def json_body(value: BaseModel | Sequence[BaseModel]) -> bytes:
    """``value`` as Litestar would send it: pydantic's JSON-mode dump, encoded by msgspec."""
    if isinstance(value, BaseModel):
        return encode_json(value.model_dump(mode="json"))
    return encode_json([item.model_dump(mode="json") for item in value])


def cacheable(policy: CachePolicy) -> type[Operation]:
    """An operation documented as ``policy`` serves it: If-None-Match, the 200's headers, and the 304."""

    @dataclass
    class Cacheable(Operation):
        def __post_init__(self) -> None:
            self.description = "\n\n".join(filter(None, [self.description, _caching_text(policy)]))
            self.parameters = [*(self.parameters or []), _if_none_match()]
            responses = self.responses if self.responses is not None else {}
            ok = responses.get("200")
            if isinstance(ok, OpenAPIResponse):
                ok.headers = {**(ok.headers or {}), **_headers(policy)}
            responses["304"] = OpenAPIResponse(
                description="Not Modified: the If-None-Match tag is current; no body",
                headers=_headers(policy),
            )
            self.responses = responses

    return Cacheable


def _caching_text(policy: CachePolicy) -> str:
    return (
        f"Cacheable: `ETag` (strong, a hash of the body) and `Cache-Control: {policy.cache_control}`"
        + (f", `Vary: {policy.vary}`" if policy.vary else "")
        + ". Send the tag back in `If-None-Match` to get 304 with no body while it is current. A change "
        f"shows within {TTL_SECONDS:g} s (at once from the process that made it), before any max-age."
    )


def _if_none_match() -> Parameter:
    return Parameter(
        name="If-None-Match",
        param_in="header",
        required=False,
        # Visible ASCII words separated by single spaces: what a tag list looks like, and a value every
        # HTTP client can send (no obs-text, no leading or trailing space).
        schema=Schema(type=OpenAPIType.STRING, pattern=r"^[!-~]+( [!-~]+)*$"),
        description='an ETag this operation gave (or several, comma-separated; W/"..." matches too), or *',
    )


def _headers(policy: CachePolicy) -> dict[str, OpenAPIHeader | Any]:
    text = Schema(type=OpenAPIType.STRING)
    headers: dict[str, OpenAPIHeader | Any] = {
        "ETag": OpenAPIHeader(schema=text, required=True, description="strong tag of this body"),
        "Cache-Control": OpenAPIHeader(
            schema=Schema(type=OpenAPIType.STRING, enum=[policy.cache_control]),
            required=True,
            description="how long clients may reuse the body without asking",
        ),
    }
    if policy.vary:
        headers["Vary"] = OpenAPIHeader(
            schema=Schema(type=OpenAPIType.STRING, enum=[policy.vary]),
            required=True,
            description="request headers the body depends on",
        )
    return headers
