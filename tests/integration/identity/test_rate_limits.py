"""Rate limits: 429 with Retry-After past the limit, per caller, in memory and in Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from litestar import Litestar
from redis.asyncio import Redis

from service.app import create_app
from service.identity.principal import Role
from service.ratelimit import RateLimiter
from service.services import start_services, stop_services
from tests.integration.http.serving import assert_problem


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def caller(app: Litestar, ip: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests come from ``ip`` (the key of the sign-in limit)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://tanbi.test") as http:
        yield http


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


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_sign_in_limit_per_ip_with_retry_after_until_the_window_passes(
    app, backend, test_redis_url
) -> None:  # type: ignore[no-untyped-def]
    services = app.state.services
    limits = services.settings.rate_limits.model_copy(update={"sign_in": 2, "window_seconds": 30})
    services.settings = services.settings.model_copy(update={"rate_limits": limits})
    clock = Clock()  # 1,000,000 s: its 30 s window ends at 1,000,020
    clock.now = 1_000_020 - 12.5
    redis = Redis.from_url(test_redis_url) if backend == "redis" else None
    prefix = f"tanbi-test:ratelimit:{uuid.uuid4().hex[:10]}"
    services.extras["rate_limiter"] = RateLimiter(redis, clock=clock, prefix=prefix)
    login = {"json": {"phone": "13900000803"}}
    try:
        async with caller(app, "198.51.100.7") as alice, caller(app, "203.0.113.9") as bob:
            assert [(await alice.post("/v1/auth/dev", **login)).status_code for _ in range(2)] == [200, 200]
            limited = await alice.post("/v1/auth/dev", **login)
            body = assert_problem(limited, 429, "rate_limited")
            assert limited.headers["retry-after"] == "13"  # whole seconds left in the window, rounded up
            assert body["retry_after"] == 13
            assert (await bob.post("/v1/auth/dev", **login)).status_code == 200  # another caller
            clock.now += 13
            assert (await alice.post("/v1/auth/dev", **login)).status_code == 200  # a new window
        if redis is not None:  # the counts really were in Redis, under the limiter's prefix, with a TTL
            keys = sorted(k.decode() for k in await redis.keys(f"{prefix}:*"))
            assert keys == [
                f"{prefix}:sign_in:198.51.100.7:33333",
                f"{prefix}:sign_in:198.51.100.7:33334",
                f"{prefix}:sign_in:203.0.113.9:33333",
            ]
            assert int(await redis.get(keys[0])) == 3
            assert 0 < await redis.ttl(keys[0]) <= 31
    finally:
        if redis is not None:
            keys = await redis.keys(f"{prefix}:*")
            if keys:
                await redis.delete(*keys)
            await redis.aclose()


async def test_with_redis_configured_the_limit_is_kept_in_redis(
    settings, database, test_redis_url, unique_queue
) -> None:  # type: ignore[no-untyped-def]
    jobs = settings.jobs.model_copy(update={"queue_name": unique_queue})
    configured = settings.model_copy(update={"redis_url": test_redis_url, "jobs": jobs})
    app = create_app(configured, database=database, periodic=False)
    app.state.services = await start_services(configured, database, periodic=False)
    ip = f"192.0.2.{uuid.uuid4().int % 250 + 1}"
    redis = Redis.from_url(test_redis_url)
    try:
        async with caller(app, ip) as http:
            answer = await http.post("/v1/auth/dev", json={"phone": "13900000804"})
            assert answer.status_code == 200, answer.text
        keys = await redis.keys(f"tanbi:ratelimit:sign_in:{ip}:*")
        assert len(keys) == 1
        assert int(await redis.get(keys[0])) == 1
    finally:
        await stop_services(app.state.services)
        for key in await redis.keys(f"tanbi:ratelimit:sign_in:{ip}:*"):
            await redis.delete(key)
        await redis.aclose()
