"""Rate limits: at most ``limit`` requests per ``window`` seconds per (bucket, caller), fixed windows.

In Redis when the service has one (shared by every API process), in memory otherwise (the embedded
default is one process). If Redis cannot be reached the request is let through and the failure logged:
a limiter outage must not take sign-in and payments down with it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from litestar import Request

from service.errors import TooManyRequests

log = logging.getLogger("tanbi.ratelimit")


class RateLimiter:
    def __init__(
        self, redis: Any = None, clock: Callable[[], float] = time.time, prefix: str = "tanbi:ratelimit"
    ) -> None:
        self.redis = redis
        self.clock = clock  # seconds (epoch); injectable so tests can pass a window without waiting
        self.prefix = prefix  # Redis key prefix
        self._counts: dict[tuple[str, str, int], int] = {}

    async def hit(self, bucket: str, key: str, limit: int, window: int) -> int | None:
        """Count one request; the seconds to wait when it is over the limit, else None."""
        now = self.clock()
        index = int(now // window)
        count = await self._incr(bucket, key, index, window)
        if count is None or count <= limit:
            return None
        return max(1, int((index + 1) * window - now + 0.999))

    async def _incr(self, bucket: str, key: str, index: int, window: int) -> int | None:
        if self.redis is None:
            self._prune(index)
            slot = (bucket, key, index)
            self._counts[slot] = self._counts.get(slot, 0) + 1
            return self._counts[slot]
        name = f"{self.prefix}:{bucket}:{key}:{index}"
        try:
            pipe = self.redis.pipeline(transaction=True)
            pipe.incr(name)
            pipe.expire(name, window + 1)
            count, _ = await pipe.execute()
            return int(count)
        except Exception:  # Redis down: let the request through
            log.warning("rate limiter could not reach Redis; not limiting %s", bucket, exc_info=True)
            return None

    def _prune(self, index: int) -> None:
        if len(self._counts) > 10_000:
            self._counts = {slot: n for slot, n in self._counts.items() if slot[2] >= index - 1}


def limiter(request: Request[Any, Any, Any]) -> RateLimiter:
    services = request.app.state.services
    found = services.extras.get("rate_limiter")
    if found is None:
        found = services.extras["rate_limiter"] = RateLimiter(services.redis)
    return found  # type: ignore[no-any-return]


async def limit(request: Request[Any, Any, Any], bucket: str, key: str) -> None:
    """Raise 429 ``rate_limited`` (with Retry-After) when ``key`` is over ``bucket``'s limit."""
    settings = request.app.state.services.settings.rate_limits
    retry_after = await limiter(request).hit(bucket, key, getattr(settings, bucket), settings.window_seconds)
    if retry_after is not None:
        raise TooManyRequests(
            f"too many requests; try again in {retry_after} s", retry_after=retry_after, code="rate_limited"
        )


def client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"
