"""Counting requests by route template, and redemptions by outcome, at the HTTP edge.

The route label is Litestar's path template (``/v1/benefits/{benefit_id}/claim``), never the raw path: ids
in the label would make a series per resident. Litestar runs app middleware only for matched routes, so
requests no route matched (404, 405 before routing) are counted by a ``before_send`` hook as
``unmatched``, without a latency. Redemption outcomes are read here, from the status and the problem's
``code``, so the services that redeem stay free of metrics.
"""

from __future__ import annotations

import json
import time
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from service.metrics.series import ApiSeries

UNMATCHED = "unmatched"
# (method, route template) -> the redemption kind counted for it.
REDEMPTIONS = {
    ("POST", "/v1/merchant/charges"): "charge",
    ("POST", "/v1/me/vouchers"): "voucher_claim",
    ("POST", "/v1/benefits/{benefit_id}/claim"): "benefit_claim",
    ("POST", "/v1/merchant/vouchers/{code}/consume"): "voucher_consume",
}
SCOPE_KEY = "tanbi_metrics_counted"
MAX_PROBLEM_BYTES = 64 * 1024
# The pool's gauges are written (three shared-memory writes under a lock) at most this often, not per
# request: a scrape every few seconds reads them no staler than this.
POOL_SAMPLE_SECONDS = 0.5  # a problem body is a few hundred bytes; never buffer more than this


def status_class(status: int) -> str:
    return f"{status // 100}xx"


class RequestCounter:
    """The middleware (``middleware``) and the hook for unmatched requests (``count_unmatched``)."""

    def __init__(self, series: ApiSeries) -> None:
        self.series = series
        # (route, method, status class) -> its request counter and latency histogram. Looking a labelled
        # child up takes a lock and builds its key each time; routes are templates, so this stays small.
        self._children: dict[tuple[str, str, str], tuple[Any, Any]] = {}
        self._pool_sampled_at = float("-inf")

    def middleware(self, app: ASGIApp) -> ASGIApp:
        async def counted(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            scope[SCOPE_KEY] = True  # type: ignore[literal-required]
            exchange = _Exchange(scope, time.perf_counter())
            try:
                await app(scope, receive, exchange.wrap(send))
            finally:
                self._record(exchange)

        return counted

    async def count_unmatched(self, message: Message, scope: Scope) -> None:
        """``before_send`` hook: count a response no route's middleware saw."""
        if message["type"] == "http.response.start" and not scope.get(SCOPE_KEY):
            status = status_class(message["status"])
            self.series.requests.labels(UNMATCHED, scope.get("method", "-"), status).inc()

    def _record(self, exchange: _Exchange) -> None:
        route, method = exchange.route, exchange.method
        status = status_class(exchange.status or 500)  # no response started: the server will answer 500
        children = self._children.get((route, method, status))
        if children is None:
            children = (
                self.series.requests.labels(route, method, status),
                self.series.latency.labels(route, method),
            )
            self._children[(route, method, status)] = children
        children[0].inc()
        children[1].observe(time.perf_counter() - exchange.started)
        kind = REDEMPTIONS.get((method, route))
        if kind is not None:
            self.series.redemptions.labels(kind, exchange.outcome()).inc()
        now = time.monotonic()
        if now - self._pool_sampled_at >= POOL_SAMPLE_SECONDS:
            self._pool_sampled_at = now
            sample_pool(self.series, scope_pool(exchange.scope))


class _Exchange:
    """One request's status and, on a redemption route, its problem body (for the code)."""

    def __init__(self, scope: Scope, started: float) -> None:
        self.scope = scope
        self.started = started
        self.status: int | None = None
        self.problem = bytearray()
        self._keep_body = False

    @property
    def route(self) -> str:
        return str(self.scope.get("path_template") or UNMATCHED)

    @property
    def method(self) -> str:
        return str(self.scope.get("method", "-"))

    def wrap(self, send: Send) -> Send:
        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.status = message["status"]
                self._keep_body = (self.method, self.route) in REDEMPTIONS and _is_problem(message)
            elif self._keep_body and len(self.problem) < MAX_PROBLEM_BYTES:
                self.problem += message.get("body", b"")  # only body messages follow the start
            await send(message)

        return watched

    def outcome(self) -> str:
        """``ok`` for a 2xx, the problem's code for a refusal, else ``http_<status>``."""
        if self.status is not None and 200 <= self.status < 300:
            return "ok"
        try:
            code = json.loads(bytes(self.problem)).get("code")
        except (ValueError, AttributeError):
            code = None
        return code if isinstance(code, str) and code.isidentifier() else f"http_{self.status or 500}"


def _is_problem(message: Message) -> bool:
    headers = dict(message.get("headers") or [])
    return headers.get(b"content-type", b"").startswith(b"application/problem+json")


def scope_pool(scope: Scope) -> Any:
    """The SQLAlchemy pool of the app serving ``scope`` (None before its services started)."""
    services = getattr(scope["app"].state, "services", None)
    return services.database.engine.pool if services is not None else None


def sample_pool(series: ApiSeries, pool: Any) -> None:
    """Record the pool's usage. Only a QueuePool (PostgreSQL) has a size; SQLite's NullPool opens a
    connection per use and is left out."""
    if pool is None or not hasattr(pool, "checkedout"):
        return
    series.pool_checked_out.set(pool.checkedout())
    series.pool_size.set(pool.size())
    series.pool_overflow.set(pool.overflow())
