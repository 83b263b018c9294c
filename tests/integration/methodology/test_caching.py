"""The methodology routes are cacheable on both dialects: a strong ETag and public Cache-Control, 304 for a
current If-None-Match, a publication seen at once by the process that made it, and within the TTL by the
others (a change written outside this process's requests, on a clock the test moves)."""

from __future__ import annotations

import datetime as dt

from service.http.cache import TTL_SECONDS, response_cache
from service.identity.principal import Role
from service.methodology.params import ParamService

ROUTES = (
    "/v1/methodologies",
    "/v1/methodologies/ev_charging",
    "/v1/methodologies/ev_charging/parameter-versions",
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def frozen(app) -> Clock:  # type: ignore[no-untyped-def]
    """Stop the app's cache clock: entries stay fresh until the test moves it."""
    clock = Clock()
    response_cache(app).clock = clock
    return clock


def publication(effective_from: dt.datetime) -> dict[str, object]:
    return {
        "overrides": {"grid_consumed_g_per_kwh": "531.0"},
        "reason": "2024 regional factor published",
        "effective_from": effective_from.isoformat(),
    }


async def tags(client) -> list[str]:  # type: ignore[no-untyped-def]
    return [(await client.get(route)).headers["etag"] for route in ROUTES]


async def test_each_route_has_a_stable_strong_etag_and_public_cache_control(client) -> None:  # type: ignore[no-untyped-def]
    for route in ROUTES:
        first, second = await client.get(route), await client.get(route)
        assert first.status_code == 200, route
        assert first.headers["etag"] == second.headers["etag"], route
        assert first.headers["etag"][0] == first.headers["etag"][-1] == '"', route  # strong: no W/
        assert first.headers["cache-control"] == "public, max-age=60", route
        assert "vary" not in first.headers, route  # nothing in the body depends on a request header yet
        assert first.content == second.content, route
    assert len(set(await tags(client))) == len(ROUTES)


async def test_a_current_if_none_match_is_304_with_no_body(client) -> None:  # type: ignore[no-untyped-def]
    for route in ROUTES:
        etag = (await client.get(route)).headers["etag"]
        for sent in (etag, f"W/{etag}", f'"stale", {etag}', "*"):
            response = await client.get(route, headers={"If-None-Match": sent})
            assert response.status_code == 304, (route, sent)
            assert response.content == b"", (route, sent)
            assert response.headers["etag"] == etag, (route, sent)
            assert response.headers["cache-control"] == "public, max-age=60", (route, sent)
            assert "content-type" not in response.headers, (route, sent)
        other = await client.get(route, headers={"If-None-Match": '"stale", W/"older"'})
        assert (other.status_code, other.headers["etag"]) == (200, etag), route
        assert other.json(), route


async def test_an_unknown_methodology_is_still_404(client) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/v1/methodologies/walking", headers={"If-None-Match": "*"})
    assert (response.status_code, response.json()["code"]) == (404, "unknown_methodology")


async def test_a_publication_here_changes_every_tag_at_once(client, app, bearer) -> None:  # type: ignore[no-untyped-def]
    frozen(app)  # no expiry: only the publication's own invalidation can show it
    before = await tags(client)
    published = await client.post(
        "/v1/methodologies/ev_charging/parameter-versions",
        json=publication(dt.datetime.now(dt.UTC)),  # in effect at once: the list's params_version moves
        headers=bearer(Role.CITY, "5"),
    )
    assert published.status_code == 201, published.text
    after = await tags(client)
    assert all(old != new for old, new in zip(before, after, strict=True))
    listed = {m["id"]: m for m in (await client.get("/v1/methodologies")).json()}
    assert listed["ev_charging"]["params_version"] == 3
    versions = (await client.get(ROUTES[2], headers={"If-None-Match": before[2]})).json()
    assert [v["version"] for v in versions] == [1, 2, 3]


async def test_a_refused_publication_changes_nothing(client, app, bearer) -> None:  # type: ignore[no-untyped-def]
    frozen(app)
    before = await tags(client)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    refused = await client.post(
        "/v1/methodologies/ev_charging/parameter-versions", json=publication(past), headers=bearer(Role.CITY)
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "effective_in_past")
    assert await tags(client) == before


async def test_a_publication_elsewhere_shows_within_the_ttl(client, app, database) -> None:  # type: ignore[no-untyped-def]
    clock = frozen(app)
    before = await tags(client)
    registry = app.state.services.registry
    async with database.session() as session:  # another process: no request of this app announces it
        await ParamService(session, registry=registry).publish(
            registry.current("ev_charging"),
            {"grid_consumed_g_per_kwh": "531.0"},
            reason="published by another API process",
            effective_from=dt.datetime.now(dt.UTC),
            actor="city:6",
        )
    clock.now += TTL_SECONDS * 0.99
    assert await tags(client) == before  # still within the bound: the cached copy is served
    stale = await client.get(ROUTES[0], headers={"If-None-Match": before[0]})
    assert stale.status_code == 304
    clock.now += TTL_SECONDS * 0.01
    after = await tags(client)
    assert all(old != new for old, new in zip(before, after, strict=True))
    fresh = await client.get(ROUTES[0], headers={"If-None-Match": before[0]})
    assert fresh.status_code == 200
    assert {m["id"]: m["params_version"] for m in fresh.json()}["ev_charging"] == 3
