"""WeChat subscribe messages against a fake WeChat over real HTTP: opt-ins, sent once, retried, refused."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest
import sqlalchemy as sa

from service.db.base import utcnow
from service.identity.principal import Role
from service.notifications import jobs
from service.notifications.models import Delivery, NotificationMark, Subscription
from service.notifications.sending import plan, send_due
from tests.conftest import make_settings
from tests.integration.notifications.conftest import AFTER, CREDITS_TEMPLATE, DAY1, DAY2, configured, trips

SUBSCRIBE = "/v1/me/notifications/subscriptions"


async def _resident_opted_in(client, database, settings, registry, bearer) -> int:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await trips(session, settings, registry, None, [DAY1, DAY2])
        await session.commit()
    answer = await client.post(
        SUBSCRIBE,
        headers=bearer(Role.RESIDENT, str(resident)),
        json={"template": CREDITS_TEMPLATE, "code": "code-alice"},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"template": CREDITS_TEMPLATE, "kind": "credits", "remaining": 1}
    async with database.session() as session:  # opted in before the trips were credited
        await session.execute(sa.update(Subscription).values(since=dt.datetime(2026, 11, 1, tzinfo=dt.UTC)))
        await session.commit()
    return resident


async def _run(app, now: dt.datetime = AFTER) -> dict[str, int]:  # type: ignore[no-untyped-def]
    services = app.state.services
    await plan(services.database, services.settings, services.registry, now)
    return await send_due(services.database, services.settings, now)


async def _deliveries(database) -> list[Delivery]:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        return list((await session.scalars(sa.select(Delivery).order_by(Delivery.id))).all())


async def test_an_opt_in_sends_the_newest_notice_once_even_when_run_twice(
    app, client, database, settings, registry, bearer, wechat
) -> None:  # type: ignore[no-untyped-def]
    resident = await _resident_opted_in(client, database, settings, registry, bearer)
    assert await _run(app) == {"sent": 1, "refused": 0, "retry": 0, "failed": 0}
    assert await _run(app) == {"sent": 0, "refused": 0, "retry": 0, "failed": 0}
    assert len(wechat.sends) == 1
    sent = wechat.sends[0]
    assert sent["touser"] == "o-alice"
    assert sent["template_id"] == CREDITS_TEMPLATE
    assert sent["data"]["thing1"]["value"].startswith(
        "今日获得"
    )  # planned on DAY2 itself and "碳币" in sent["data"]["thing1"]["value"]
    assert sent["data"]["time3"] == {"value": "2026年11月19日"}
    [delivery] = await _deliveries(database)
    assert (delivery.resident_id, delivery.notification_id, delivery.status) == (
        resident,
        f"credits:{DAY2}",
        "sent",
    )
    listed = await client.get(SUBSCRIBE, headers=bearer(Role.RESIDENT, str(resident)))
    assert {t["kind"]: t["remaining"] for t in listed.json()["templates"]} == {"credits": 0, "expiring": 0}
    # The openid is stored sealed, never in clear.
    async with database.session() as session:
        sealed = await session.scalar(sa.select(Subscription.openid_sealed))
    assert sealed
    assert "o-alice" not in sealed


async def test_a_5xx_is_retried_with_backoff_and_then_sent(
    app, client, database, settings, registry, bearer, wechat
) -> None:  # type: ignore[no-untyped-def]
    await _resident_opted_in(client, database, settings, registry, bearer)
    wechat.answers = [500, {"errcode": -1, "errmsg": "system busy"}]
    assert (await _run(app))["retry"] == 1
    [delivery] = await _deliveries(database)
    base = app.state.services.settings.subscribe.retry_base_seconds
    assert (delivery.status, delivery.tries, delivery.next_try_at) == (
        "pending",
        1,
        AFTER + dt.timedelta(seconds=base),
    )
    assert (await _run(app))["retry"] == 0, "not due before its backoff"
    assert (await _run(app, AFTER + dt.timedelta(seconds=base)))["retry"] == 1  # system busy: again
    [delivery] = await _deliveries(database)
    assert delivery.next_try_at == AFTER + dt.timedelta(seconds=3 * base)  # base, then 2 x base
    assert (await _run(app, AFTER + dt.timedelta(seconds=3 * base)))["sent"] == 1
    assert len(wechat.sends) == 3
    assert (await _deliveries(database))[0].status == "sent"


async def test_given_up_after_max_tries(app, client, database, settings, registry, bearer, wechat) -> None:  # type: ignore[no-untyped-def]
    await _resident_opted_in(client, database, settings, registry, bearer)
    services = app.state.services
    services.settings = configured(services.settings, wechat.url, max_tries=2, retry_base_seconds=1)
    wechat.answers = [502, 502, 502]
    assert (await _run(app))["retry"] == 1
    assert (await _run(app, AFTER + dt.timedelta(seconds=1)))["failed"] == 1
    assert (await _run(app, AFTER + dt.timedelta(hours=2))) == {
        "sent": 0,
        "refused": 0,
        "retry": 0,
        "failed": 0,
    }
    [delivery] = await _deliveries(database)
    assert (delivery.status, delivery.tries, len(wechat.sends)) == ("failed", 2, 2)


async def test_user_refused_43101_is_final_and_ends_the_opt_in(
    app, client, database, settings, registry, bearer, wechat
) -> None:  # type: ignore[no-untyped-def]
    resident = await _resident_opted_in(client, database, settings, registry, bearer)
    # A second acceptance: two sends allowed.
    again = await client.post(
        SUBSCRIBE,
        headers=bearer(Role.RESIDENT, str(resident)),
        json={"template": CREDITS_TEMPLATE, "code": "code-alice"},
    )
    assert again.json()["remaining"] == 2
    wechat.answers = [{"errcode": 43101, "errmsg": "user refuse to accept the msg"}]
    assert (await _run(app))["refused"] == 1
    assert (await _run(app, AFTER + dt.timedelta(days=1))) == {
        "sent": 0,
        "refused": 0,
        "retry": 0,
        "failed": 0,
    }
    [delivery] = await _deliveries(database)
    assert delivery.status == "refused"
    assert delivery.last_error.startswith("43101")
    async with database.session() as session:
        assert await session.scalar(sa.select(Subscription.remaining)) == 0
    assert len(wechat.sends) == 1


async def test_opt_in_refusals(app, client, database, settings, registry, bearer, wechat) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await trips(session, settings, registry, None, [DAY1])
        await session.commit()
    me = bearer(Role.RESIDENT, str(resident))
    for body, status, code in [
        ({"template": "tmpl-nobody", "code": "code-alice"}, 422, "unknown_template"),
        ({"template": CREDITS_TEMPLATE, "code": "code-expired"}, 422, "wechat_invalid_code"),
    ]:
        answer = await client.post(SUBSCRIBE, headers=me, json=body)
        assert (answer.status_code, answer.json()["code"]) == (status, code)
    async with database.session() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 0


async def test_without_wechat_configured_the_job_does_nothing_and_says_so_once(app, caplog) -> None:  # type: ignore[no-untyped-def]
    jobs._told.clear()
    context = app.state.services.job_context | {"job_try": 1}
    with caplog.at_level(logging.INFO, logger="tanbi.notifications"):
        assert await jobs.send_subscribe_messages(context) == {}
        assert await jobs.send_subscribe_messages(context) == {}
    assert sum("subscribe messages are off" in r.getMessage() for r in caplog.records) == 1


async def test_a_deleted_account_gets_no_message(
    app, client, database, settings, registry, bearer, wechat
) -> None:  # type: ignore[no-untyped-def]
    resident = await _resident_opted_in(client, database, settings, registry, bearer)
    me = bearer(Role.RESIDENT, str(resident))
    read = await client.post("/v1/me/notifications/read", headers=me, json={"ids": [f"credits:{DAY1}"]})
    assert read.status_code == 200
    assert (await client.delete("/v1/me", headers=me)).status_code == 204
    assert await _run(app) == {"sent": 0, "refused": 0, "retry": 0, "failed": 0}
    assert wechat.sends == []
    # Erasure deleted the opt-in (its sealed openid) and the read marks.
    async with database.session() as session:
        for model in (Subscription, NotificationMark, Delivery):
            left = await session.scalar(
                sa.select(sa.func.count()).select_from(model).where(model.resident_id == resident)
            )
            assert left == 0, model.__tablename__
    assert (await client.get("/v1/me/notifications", headers=me)).json()["code"] == "account_deleted"


async def test_concurrent_runners_on_postgresql_send_once(
    pg_committed, registry, fake_wechat, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    url = pg_committed.engine.url.render_as_string(hide_password=False)
    settings = configured(make_settings(tmp_path, url), fake_wechat.url)
    async with pg_committed.session() as session:
        residents = [await trips(session, settings, registry, None, [DAY1, DAY2]) for _ in range(3)]
        await session.commit()
    from service.notifications.repository import NotificationRepository  # noqa: F401
    from service.partners.crypto import SecretBox

    box = SecretBox(settings.auth.secrets_key.get_secret_value())  # type: ignore[union-attr]
    async with pg_committed.session() as session:
        for n, resident in enumerate(residents):
            session.add(
                Subscription(
                    resident_id=resident,
                    kind="credits",
                    template_id=CREDITS_TEMPLATE,
                    openid_sealed=box.seal(f"o-{n}"),
                    remaining=1,
                    since=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
                    updated_at=utcnow(),
                )
            )
        await session.commit()

    async def runner() -> dict[str, int]:
        await plan(pg_committed, settings, registry, AFTER)
        return await send_due(pg_committed, settings, AFTER)

    results = await asyncio.gather(*(runner() for _ in range(4)))
    assert sum(r["sent"] for r in results) == 3
    assert sorted(s["touser"] for s in fake_wechat.sends) == ["o-0", "o-1", "o-2"]
    async with pg_committed.session() as session:
        statuses = (await session.scalars(sa.select(Delivery.status))).all()
    assert sorted(statuses) == ["sent"] * 3


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def test_concurrent_first_opt_ins_count_on_one_row(pg_committed, fake_wechat, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two acceptances of one template at once (two taps, two wx.login codes): both count, none fails."""
    from service.identity.models import Resident
    from service.notifications.service import subscribe

    url = pg_committed.engine.url.render_as_string(hide_password=False)
    settings = configured(make_settings(tmp_path, url), fake_wechat.url)
    hash_key = settings.auth.hash_key.get_secret_value().encode()  # type: ignore[union-attr]
    async with pg_committed.session() as session:
        resident = Resident(phone_hash="race-opt-in", created_at=utcnow())
        session.add(resident)
        await session.commit()
        resident_id = resident.id

    async def opt_in() -> tuple[str, int]:
        async with pg_committed.session() as session:
            me = await session.get(Resident, resident_id)
            done = await subscribe(session, settings, me, hash_key, CREDITS_TEMPLATE, "code-alice", utcnow())
            await session.commit()
            return done

    results = await asyncio.gather(*(opt_in() for _ in range(4)))
    assert sorted(remaining for _, remaining in results) == [1, 2, 3, 4]
    async with pg_committed.session() as session:
        rows = (await session.scalars(sa.select(Subscription))).all()
    assert [(r.kind, r.remaining) for r in rows] == [("credits", 4)]
