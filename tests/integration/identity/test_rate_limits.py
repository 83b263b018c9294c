"""Rate limits: 429 with Retry-After past the limit, per caller, in memory and in Redis."""

from __future__ import annotations

import uuid

import pytest
from redis.asyncio import Redis

from service.identity.principal import Role
from service.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_sign_in_over_the_limit_gets_429_with_retry_after(app, client) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    limits = services.settings.rate_limits.model_copy(update={"sign_in": 3})
    services.settings = services.settings.model_copy(update={"rate_limits": limits})
    codes = [(await client.post("/v1/auth/dev", json={"phone": "13900000801"})).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = await client.post("/v1/auth/dev", json={"phone": "13900000801"})
    assert limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= limits.window_seconds
    assert limited.headers["content-type"].startswith("application/problem+json")


async def test_paycodes_are_limited_per_resident(app, client, bearer) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    limits = services.settings.rate_limits.model_copy(update={"paycodes": 2})
    services.settings = services.settings.model_copy(update={"rate_limits": limits})
    login = (await client.post("/v1/auth/dev", json={"phone": "13900000802"})).json()
    me = {"Authorization": f"Bearer {login['access_token']}"}
    assert [(await client.post("/v1/me/paycodes", headers=me)).status_code for _ in range(3)] == [
        201,
        201,
        429,
    ]
    # Another resident has their own budget (the limit is per caller, checked before anything else).
    other = await client.post("/v1/me/paycodes", headers=bearer(Role.RESIDENT, "999999"))
    assert other.status_code != 429


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_windows_reset_and_callers_are_separate(backend, test_redis_url) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    redis = Redis.from_url(test_redis_url) if backend == "redis" else None
    limiter = RateLimiter(redis, clock=clock)
    bucket = f"test-{uuid.uuid4().hex[:8]}"
    try:
        assert [await limiter.hit(bucket, "a", 2, 60) for _ in range(2)] == [None, None]
        retry = await limiter.hit(bucket, "a", 2, 60)
        assert retry is not None
        assert 1 <= retry <= 60
        assert await limiter.hit(bucket, "b", 2, 60) is None
        clock.now += 60
        assert await limiter.hit(bucket, "a", 2, 60) is None
    finally:
        if redis is not None:
            await redis.aclose()


async def test_an_unreachable_redis_lets_requests_through() -> None:
    limiter = RateLimiter(Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2))
    try:
        assert [await limiter.hit("down", "a", 1, 60) for _ in range(3)] == [None, None, None]
    finally:
        await limiter.redis.aclose()
