"""GET /v1/offers is cacheable on both dialects: one page for every resident (private, Vary: Authorization),
304 for a current If-None-Match, an edit or approval seen at once by the process that made it, and stock
moved by claims within the TTL (a clock the test moves)."""

from __future__ import annotations

import asyncio

import httpx

from service.app import create_app
from service.db.base import utcnow
from service.db.engine import Database
from service.http.cache import TTL_SECONDS
from service.identity.principal import Principal, Role
from service.identity.tokens import TokenService
from service.services import start_services, stop_services
from tests.conftest import make_settings
from tests.fixtures.databases import migrate
from tests.integration.merchants.conftest import approved_offer, funded_resident, new_merchant
from tests.integration.merchants.test_vouchers import offer_body
from tests.integration.methodology.test_caching import frozen

CACHE_CONTROL = "private, max-age=5"


async def world(database, settings, bearer):  # type: ignore[no-untyped-def]
    """(merchant's, two residents', city's headers, an approved offer's id)."""
    async with database.session() as session:
        merchant = await new_merchant(session)
        one = await funded_resident(session, settings, 100, tag="a")
        two = await funded_resident(session, settings, 100, tag="b")
        offer = await approved_offer(session, merchant, price=10, stock=5, limit=3)
        await session.commit()
    residents = bearer(Role.RESIDENT, str(one)), bearer(Role.RESIDENT, str(two))
    return bearer(Role.MERCHANT, str(merchant)), residents, bearer(Role.CITY, "1"), offer


async def test_one_page_for_every_resident_with_private_caching(client, database, settings, bearer) -> None:  # type: ignore[no-untyped-def]
    _, (me, you), _, offer = await world(database, settings, bearer)
    mine, yours = await client.get("/v1/offers", headers=me), await client.get("/v1/offers", headers=you)
    assert mine.status_code == 200, mine.text
    assert [o["id"] for o in mine.json()["items"]] == [offer]
    assert mine.headers["etag"] == yours.headers["etag"]
    assert mine.content == yours.content
    assert (mine.headers["cache-control"], mine.headers["vary"]) == (CACHE_CONTROL, "Authorization")
    paged = await client.get("/v1/offers?limit=1", headers=me)
    assert paged.headers["etag"] == mine.headers["etag"]  # another variant, the same bytes: the same tag


async def test_a_current_if_none_match_is_304_with_no_body(client, database, settings, bearer) -> None:  # type: ignore[no-untyped-def]
    _, (me, you), _, _ = await world(database, settings, bearer)
    etag = (await client.get("/v1/offers", headers=me)).headers["etag"]
    for sent in (etag, f"W/{etag}", f'"stale", {etag}', "*"):
        response = await client.get("/v1/offers", headers=you | {"If-None-Match": sent})
        assert (response.status_code, response.content) == (304, b""), sent
        assert response.headers["etag"] == etag
        assert (response.headers["cache-control"], response.headers["vary"]) == (
            CACHE_CONTROL,
            "Authorization",
        )
    other = await client.get("/v1/offers", headers=me | {"If-None-Match": '"stale"'})
    assert (other.status_code, other.headers["etag"]) == (200, etag)
    anonymous = await client.get("/v1/offers", headers={"If-None-Match": etag})
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "missing_token")


async def test_edits_and_approvals_here_change_the_tag_at_once(
    client, app, database, settings, bearer
) -> None:  # type: ignore[no-untyped-def]
    frozen(app)  # no expiry: only the change's own invalidation can show it
    till, (me, _), city, offer = await world(database, settings, bearer)
    seen = [(await client.get("/v1/offers", headers=me)).headers["etag"]]
    restock = await client.patch(f"/v1/merchant/offers/{offer}", json={"stock_total": 9}, headers=till)
    assert restock.status_code == 200, restock.text
    listed = await client.get("/v1/offers", headers=me)
    assert [o["stock_left"] for o in listed.json()["items"]] == [9]
    seen.append(listed.headers["etag"])
    created = (await client.post("/v1/merchant/offers", json=offer_body(), headers=till)).json()
    approved = await client.post(
        f"/v1/city/offers/{created['id']}/approve", json={"revision": 1}, headers=city
    )
    assert approved.status_code == 200, approved.text
    listed = await client.get("/v1/offers", headers=me)
    assert [o["id"] for o in listed.json()["items"]] == [offer, created["id"]]
    seen.append(listed.headers["etag"])
    hidden = await client.patch(f"/v1/merchant/offers/{offer}", json={"active": False}, headers=till)
    assert hidden.status_code == 200, hidden.text
    listed = await client.get("/v1/offers", headers=me)
    assert [o["id"] for o in listed.json()["items"]] == [created["id"]]
    seen.append(listed.headers["etag"])
    assert len(set(seen)) == len(seen)


async def test_stock_moved_by_claims_shows_within_the_ttl(client, app, database, settings, bearer) -> None:  # type: ignore[no-untyped-def]
    clock = frozen(app)
    _, (me, you), _, offer = await world(database, settings, bearer)
    before = await client.get("/v1/offers", headers=me)
    claimed = await client.post("/v1/me/vouchers", json={"offer_id": offer}, headers=you)
    assert claimed.status_code == 201, claimed.text
    clock.now += TTL_SECONDS * 0.99
    cached = await client.get("/v1/offers", headers=me | {"If-None-Match": before.headers["etag"]})
    assert cached.status_code == 304  # a claim is checked against the database: stale stock is allowed
    clock.now += TTL_SECONDS * 0.01
    fresh = await client.get("/v1/offers", headers=me | {"If-None-Match": before.headers["etag"]})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] != before.headers["etag"]
    assert [o["stock_left"] for o in fresh.json()["items"]] == [4]


async def test_a_deleted_account_is_refused_even_when_the_page_is_cached(
    client, database, settings, bearer
) -> None:  # type: ignore[no-untyped-def]
    _, (me, you), _, _ = await world(database, settings, bearer)
    etag = (await client.get("/v1/offers", headers=you)).headers["etag"]
    assert (await client.delete("/v1/me", headers=me)).status_code == 204
    refused = await client.get("/v1/offers", headers=me | {"If-None-Match": etag})
    assert (refused.status_code, refused.json()["code"]) == (401, "account_deleted")


async def test_a_miss_on_an_sqlite_file_does_not_wait_for_its_own_lock(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The fixtures share one connection per test; the embedded server opens one per session, and on
    # SQLite each transaction takes the write lock: a request holding one while its page was built in
    # another waited for itself until the busy timeout.
    url = f"sqlite+aiosqlite:///{tmp_path / 'tanbi.db'}"
    await migrate(url)
    database = Database.from_url(url)
    settings = make_settings(tmp_path, None)
    app = create_app(settings, database=database, periodic=False)
    app.state.services = await start_services(settings, database, periodic=False)
    try:
        async with database.session() as session:
            resident = await funded_resident(session, settings, 0)
        token = TokenService(settings.auth).issue_access(Principal(str(resident), Role.RESIDENT), utcnow())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tanbi.test") as http:
            async with asyncio.timeout(10):
                response = await http.get("/v1/offers", headers={"Authorization": f"Bearer {token}"})
        assert (response.status_code, response.json()["items"]) == (200, [])
    finally:
        await stop_services(app.state.services)
        await database.dispose()
