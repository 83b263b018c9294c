"""The response cache on its own: If-None-Match as RFC 9110 reads it, the TTL on a controllable clock,
one build for concurrent misses, invalidation racing a build, and the size bound."""

from __future__ import annotations

import asyncio

import pytest

from service.http.cache import ResponseCache, entity_tag, not_modified


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def counting(bodies: list[bytes]):  # type: ignore[no-untyped-def]
    """A build that returns the next body of ``bodies`` each time it is called."""
    calls = iter(bodies)

    async def build() -> bytes:
        return next(calls)

    return build


def test_if_none_match_star_a_list_and_weak_tags() -> None:
    tag = entity_tag(b"[]")
    assert not_modified([tag], tag)
    assert not_modified(["*"], tag)
    assert not_modified([f'"other", W/{tag}'], tag)  # weak comparison ignores W/
    assert not_modified(['"a"', f" {tag} "], tag)  # several field lines form one list
    assert not not_modified(['"other"'], tag)
    assert not not_modified([], tag)
    assert not not_modified([tag.strip('"')], tag)  # an unquoted tag is no entity tag
    assert not not_modified(['"x", *'], tag)  # * is only a value of its own


def test_the_tag_is_a_hash_of_the_exact_bytes() -> None:
    assert entity_tag(b'{"a":1}') == entity_tag(b'{"a":1}')
    assert entity_tag(b'{"a":1}') != entity_tag(b'{"a": 1}')
    assert entity_tag(b"")[0] == entity_tag(b"")[-1] == '"'


async def test_an_entry_is_served_for_the_ttl_then_rebuilt() -> None:
    clock = Clock()
    cache = ResponseCache(ttl=1.0, clock=clock)
    build = counting([b"one", b"two"])
    first = await cache.get(("ns", "k"), build)
    clock.now += 0.999
    assert await cache.get(("ns", "k"), build) == first
    clock.now += 0.001
    second = await cache.get(("ns", "k"), build)
    assert (second.body, second.etag) == (b"two", entity_tag(b"two"))


async def test_concurrent_misses_share_one_build() -> None:
    cache = ResponseCache(clock=Clock())
    release = asyncio.Event()
    calls = 0

    async def build() -> bytes:
        nonlocal calls
        calls += 1
        await release.wait()
        return b"body"

    waiting = [asyncio.ensure_future(cache.get(("ns", "k"), build)) for _ in range(20)]
    await asyncio.sleep(0)
    release.set()
    assert {entry.body for entry in await asyncio.gather(*waiting)} == {b"body"}
    assert calls == 1


async def test_a_build_from_before_an_invalidation_is_not_kept() -> None:
    cache = ResponseCache(clock=Clock())
    release = asyncio.Event()

    async def slow_old() -> bytes:
        await release.wait()
        return b"old"

    early = asyncio.ensure_future(cache.get(("ns", "k"), slow_old))
    await asyncio.sleep(0)
    cache.invalidate("ns")  # the change commits while the old build is reading
    late = await cache.get(("ns", "k"), counting([b"new"]))
    release.set()
    assert (await early).body == b"old"  # it was asked before the change
    assert late.body == b"new"
    assert (await cache.get(("ns", "k"), counting([b"never"]))).body == b"new"


async def test_invalidation_is_per_namespace() -> None:
    cache = ResponseCache(clock=Clock())
    await cache.get(("a", "k"), counting([b"a1"]))
    await cache.get(("b", "k"), counting([b"b1"]))
    cache.invalidate("a")
    assert (await cache.get(("a", "k"), counting([b"a2"]))).body == b"a2"
    assert (await cache.get(("b", "k"), counting([b"b2"]))).body == b"b1"


async def test_a_failed_build_is_not_kept_and_the_next_request_tries_again() -> None:
    cache = ResponseCache(clock=Clock())

    async def failing() -> bytes:
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError):
        await cache.get(("ns", "k"), failing)
    assert (await cache.get(("ns", "k"), counting([b"back"]))).body == b"back"


async def test_the_number_of_entries_is_bounded() -> None:
    cache = ResponseCache(clock=Clock(), max_entries=3)
    for n in range(5):
        await cache.get(("ns", str(n)), counting([str(n).encode()]))
    assert len(cache._entries) == 3
    assert (await cache.get(("ns", "0"), counting([b"rebuilt"]))).body == b"rebuilt"  # evicted first
    assert (await cache.get(("ns", "4"), counting([b"never"]))).body == b"4"
