"""Partner ingestion on both dialects: signed batch -> outbox -> processing -> bindings -> credit."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from service.ledger.verify import verify_ledger
from service.partners.crypto import sign
from service.partners.models import PartnerEvent
from tests.integration.partners.conftest import drain


def trip(minutes_ago: int, metres: int = 5000) -> dict[str, object]:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes_ago)
    return {
        "boarded_at": start.isoformat(),
        "alighted_at": (start + dt.timedelta(minutes=20)).isoformat(),
        "distance_m": metres,
    }


def event(
    event_id: str, subject: str = "card-001", minutes_ago: int = 180, **overrides: object
) -> dict[str, object]:
    evidence = trip(minutes_ago)
    return {
        "id": event_id,
        "type": "bus_trip",
        "subject": subject,
        "occurred_at": evidence["boarded_at"],
        "evidence": evidence,
    } | overrides


async def _count(database) -> int:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(PartnerEvent)) or 0


def test_signatures_reproduce_the_standard_webhooks_reference_vector() -> None:
    signature = sign(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "1614265330",
        b'{"test": 2432232314}',
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


async def test_batch_is_acknowledged_per_event_then_unclaimed_then_credited_on_binding(
    client, app, partner, database
) -> None:  # type: ignore[no-untyped-def]
    batch = {
        "events": [event("e1"), event("e1"), event("e2", minutes_ago=100), {"id": "e3", "type": "bus_trip"}]
    }
    response = await partner.post(client, "/events", batch)
    assert response.status_code == 202, response.text
    statuses = [(e["id"], e["status"]) for e in response.json()["events"]]
    assert statuses == [("e1", "accepted"), ("e1", "duplicate"), ("e2", "accepted"), ("e3", "invalid")]
    assert {e["key"] for e in response.json()["events"][3]["errors"]} >= {
        "subject",
        "occurred_at",
        "evidence",
    }
    await drain(app)
    status = (await partner.get(client, "/events/e1")).json()
    assert (status["status"], status["action_id"]) == ("unclaimed", None)

    link = await partner.post(client, "/link-tokens", {"subject": "card-001"})
    assert link.status_code == 201
    login = (await client.post("/v1/auth/dev", json={"phone": "13800000077"})).json()
    resident = {"Authorization": f"Bearer {login['access_token']}"}
    bound = await client.post("/v1/me/bindings", json={"token": link.json()["token"]}, headers=resident)
    assert bound.status_code == 201, bound.text
    assert bound.json()["reprocessed"] == 2
    assert bound.json()["partner_name"] == "Gongqing Bus"
    await drain(app)
    first, second = (
        (await partner.get(client, "/events/e1")).json(),
        (await partner.get(client, "/events/e2")).json(),
    )
    assert (first["status"], first["grams"], first["coins"]) == ("credited", 134, 13)
    assert second["status"] == "credited"
    again = await client.post("/v1/me/bindings", json={"token": link.json()["token"]}, headers=resident)
    assert again.json()["code"] == "invalid_link_token"
    async with database.session() as session:
        assert (await verify_ledger(session)).ok


async def test_replayed_delivery_gets_the_same_answer_and_stores_nothing_twice(
    client, partner, database
) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps({"events": [event("r1")]}).encode()
    headers = partner.headers(body, webhook_id="msg_replay_1")
    first = await client.post(f"/v1/partners/{partner.partner_id}/events", content=body, headers=headers)
    again = await client.post(f"/v1/partners/{partner.partner_id}/events", content=body, headers=headers)
    assert (first.status_code, again.status_code) == (202, 202)
    assert first.json() == again.json() == {"events": [{"id": "r1", "status": "accepted"}]}
    later = await partner.post(client, "/events", {"events": [event("r1")]})
    assert later.json() == {"events": [{"id": "r1", "status": "duplicate"}]}
    assert await _count(database) == 1


async def test_bad_requests_are_refused_and_store_nothing(client, partner, database) -> None:  # type: ignore[no-untyped-def]
    path = f"/v1/partners/{partner.partner_id}/events"
    body = json.dumps({"events": [event("b1")]}).encode()
    tampered = partner.headers(body)
    cases = [
        (await client.post(path, content=body + b" ", headers=tampered), 401, "bad_signature"),
        (
            await client.post(
                path, content=body, headers={**partner.headers(body), "webhook-signature": "v1,AAAA"}
            ),
            401,
            "bad_signature",
        ),
        (
            await client.post(path, content=body, headers=partner.headers(body, timestamp=1614265330)),
            401,
            "stale_timestamp",
        ),
        (
            await client.post(path, content=body, headers={"content-type": "application/json"}),
            401,
            "bad_signature",
        ),
        (
            await client.post("/v1/partners/999999/events", content=body, headers=partner.headers(body)),
            404,
            "unknown_partner",
        ),
        (
            await partner.post(client, "/events", {"events": [event("b2", type="car_free_day")]}),
            403,
            "methodology_not_granted",
        ),
        (await partner.post(client, "/events", {"events": []}), 422, "validation_error"),
        (
            await partner.post(client, "/events", {"events": [event(f"n{i}") for i in range(1001)]}),
            422,
            "validation_error",
        ),
        (await partner.post(client, "/events", {"batch": []}), 422, "validation_error"),
    ]
    raw = b'{"events": ['
    cases.append((await client.post(path, content=raw, headers=partner.headers(raw)), 400, "malformed_json"))
    for response, status, code in cases:
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    huge = b'{"events": [' + b" " * (1024 * 1024) + b"]}"
    assert (await client.post(path, content=huge, headers=partner.headers(huge))).status_code == 413
    assert await _count(database) == 0


async def test_status_list_filters_and_pages(client, app, partner) -> None:  # type: ignore[no-untyped-def]
    await partner.post(
        client, "/events", {"events": [event(f"p{i}", minutes_ago=300 - 25 * i) for i in range(5)]}
    )
    await drain(app)
    first = (await partner.get(client, "/events?status=unclaimed&limit=2")).json()
    assert [e["id"] for e in first["items"]] == ["p0", "p1"]
    second = (
        await partner.get(client, f"/events?status=unclaimed&limit=2&cursor={first['next_cursor']}")
    ).json()
    assert [e["id"] for e in second["items"]] == ["p2", "p3"]
    assert (await partner.get(client, "/events?status=credited")).json()["items"] == []
    assert (await partner.get(client, "/events/nope")).status_code == 404
    assert (await partner.get(client, "/events?cursor=%%%")).json()["code"] == "invalid_cursor"


async def _resident(client, phone: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    login = (await client.post("/v1/auth/dev", json={"phone": phone})).json()
    return {"Authorization": f"Bearer {login['access_token']}"}


async def test_one_resident_per_subject_and_unbinding_stops_future_credits(client, app, partner) -> None:  # type: ignore[no-untyped-def]
    alice, bob = await _resident(client, "13800000201"), await _resident(client, "13800000202")
    first = (await partner.post(client, "/link-tokens", {"subject": "card-x"})).json()["token"]
    bound = (await client.post("/v1/me/bindings", json={"token": first}, headers=alice)).json()
    second = (await partner.post(client, "/link-tokens", {"subject": "card-x"})).json()["token"]
    taken = await client.post("/v1/me/bindings", json={"token": second}, headers=bob)
    assert (taken.status_code, taken.json()["code"]) == (409, "subject_bound")
    await partner.post(client, "/events", {"events": [event("u1", subject="card-x", minutes_ago=300)]})
    await drain(app)
    assert (await partner.get(client, "/events/u1")).json()["status"] == "credited"
    assert (await client.delete(f"/v1/me/bindings/{bound['id']}", headers=bob)).status_code == 404
    removed = await client.delete(f"/v1/me/bindings/{bound['id']}", headers=alice)
    assert removed.json()["unbound_at"] is not None
    assert removed.json()["partner_name"] == "Gongqing Bus"
    await partner.post(client, "/events", {"events": [event("u2", subject="card-x", minutes_ago=100)]})
    await drain(app)
    assert (await partner.get(client, "/events/u2")).json()["status"] == "unclaimed"
    assert (await partner.get(client, "/events/u1")).json()["status"] == "credited", "history is kept"
    listed = (await client.get("/v1/me/bindings", headers=alice)).json()
    assert [(b["id"], b["partner_name"]) for b in listed] == [(bound["id"], "Gongqing Bus")]


async def test_freshness_is_judged_when_the_report_arrived_not_when_a_worker_reaches_it(
    client, app, partner, database
) -> None:  # type: ignore[no-untyped-def]
    """A trip reported the day it happened stays creditable though processing runs 40 days later; one that
    was already 40 days old when it arrived is ``stale``."""
    from service.jobs.queue import unit_of_work
    from service.partners.ingest import Ingest
    from service.partners.models import Partner

    link = await partner.post(client, "/link-tokens", {"subject": "card-late"})
    login = (await client.post("/v1/auth/dev", json={"phone": "13800000078"})).json()
    resident = {"Authorization": f"Bearer {login['access_token']}"}
    await client.post("/v1/me/bindings", json={"token": link.json()["token"]}, headers=resident)
    services = app.state.services
    hash_key = services.settings.auth.hash_key.get_secret_value().encode()
    long_ago = 40 * 24 * 60
    on_time, late = event("t1", "card-late", minutes_ago=long_ago), event("t2", "card-late", minutes_ago=60)
    late["evidence"] = trip(long_ago + 24 * 60)
    late["occurred_at"] = late["evidence"]["boarded_at"]
    for payload, arrived in (
        (on_time, dt.datetime.fromisoformat(on_time["evidence"]["alighted_at"]) + dt.timedelta(hours=2)),
        (late, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)),
    ):
        async with unit_of_work(database, services.queue) as session:
            row = await session.get(Partner, partner.partner_id)
            ingest = Ingest(session, services.registry, hash_key, services.settings.partners.batch_size)
            await ingest.accept(row, f"msg_{payload['id']}", {"events": [payload]}, arrived)
    await drain(app)
    first, second = (
        (await partner.get(client, "/events/t1")).json(),
        (await partner.get(client, "/events/t2")).json(),
    )
    assert (first["status"], first["coins"]) == ("credited", 13), first["reasons"]
    assert (second["status"], second["reasons"]) == ("rejected", ["stale"]), second


async def test_an_action_takes_the_profile_district_else_the_one_the_partner_gave(
    client, app, partner, database
) -> None:  # type: ignore[no-untyped-def]
    from service.actions.models import Action

    refused = await partner.post(client, "/link-tokens", {"subject": "card-d", "district": "atlantis"})
    assert (refused.status_code, refused.json()["code"]) == (422, "unknown_district")
    link = await partner.post(client, "/link-tokens", {"subject": "card-d", "district": "ganlu"})
    assert link.status_code == 201, link.text
    login = (await client.post("/v1/auth/dev", json={"phone": "13800000079"})).json()
    resident = {"Authorization": f"Bearer {login['access_token']}"}
    await client.post("/v1/me/bindings", json={"token": link.json()["token"]}, headers=resident)
    await partner.post(client, "/events", {"events": [event("d1", "card-d", minutes_ago=300)]})
    await drain(app)
    await client.patch("/v1/me", json={"district": "zequan"}, headers=resident)
    await partner.post(client, "/events", {"events": [event("d2", "card-d", minutes_ago=100)]})
    await drain(app)
    async with database.session() as session:
        rows = await session.execute(sa.select(Action.source_key, Action.district).order_by(Action.id))
        districts = [district for _, district in rows]
    assert districts == ["ganlu", "zequan"]
