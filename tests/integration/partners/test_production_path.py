"""The production path on PostgreSQL + Redis + a real arq worker: commits for real, tables emptied after."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from arq.worker import Worker

from service.app import create_app
from service.db.base import utcnow
from service.identity.repository import IdentityRepository
from service.jobs.queue import ArqQueue
from service.jobs.worker import worker_settings
from service.ledger.models import Account
from service.ledger.verify import verify_ledger
from service.partners.admin import add_partner, rotate_secret
from service.partners.bindings import bind, create_link_token
from service.partners.crypto import SecretBox
from service.partners.ingest import Ingest
from service.partners.jobs import sweep_partner_events
from service.partners.models import Partner, PartnerEvent, PartnerSecret
from service.partners.processing import process_events
from service.services import redis_pool, start_services, stop_services
from tests.conftest import make_settings
from tests.integration.partners.conftest import Signer
from tests.integration.partners.test_ingest import event


@pytest.fixture
def prod_settings(tmp_path, pg_url, test_redis_url, unique_queue):  # type: ignore[no-untyped-def]
    base = make_settings(tmp_path, pg_url, redis_url=test_redis_url)
    return base.model_copy(update={"jobs": base.jobs.model_copy(update={"queue_name": unique_queue})})


@pytest.fixture
async def prod_client(prod_settings, pg_committed) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:  # type: ignore[no-untyped-def]
    app = create_app(prod_settings, database=pg_committed, periodic=False)
    app.state.services = await start_services(prod_settings, pg_committed, periodic=False)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://tanbi.test") as client:
            yield client, app.state.services
    finally:
        redis = app.state.services.redis
        keys = [k async for k in redis.scan_iter(match=f"{prod_settings.jobs.queue_name}*")]
        if keys:
            await redis.delete(*keys)
        await stop_services(app.state.services)


async def _bound_partner(services: Any, subjects: list[str]) -> tuple[Signer, dict[str, int]]:
    box = SecretBox(services.settings.auth.secrets_key.get_secret_value())
    residents: dict[str, int] = {}
    async with services.database.session() as session:
        created = await add_partner(session, box, services.registry, "Bus Co", ["bus_trip"])
        partner = await session.get(Partner, created.id)
        for n, subject in enumerate(subjects):
            resident = await IdentityRepository(session).ensure_resident_by_phone_hash(f"prod-{n}", utcnow())
            token, _ = await create_link_token(
                session, partner, subject, services.hash_key, services.settings.partners, utcnow()
            )
            await bind(session, resident.id, token, services.settings.partners, 500, utcnow())
            residents[subject] = resident.id
    return Signer(created.id, created.secret), residents


async def _run_worker(settings) -> Worker:  # type: ignore[no-untyped-def]
    options = worker_settings(settings) | {"cron_jobs": [], "handle_signals": False, "poll_delay": 0.05}
    worker = Worker(**options, burst=True)
    await worker.main()
    await worker.close()
    return worker


async def _statuses(database) -> dict[str, str]:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        return dict((await session.execute(sa.select(PartnerEvent.event_id, PartnerEvent.status))).all())


async def test_batch_credited_end_to_end_by_a_real_worker(prod_client, prod_settings, pg_committed) -> None:  # type: ignore[no-untyped-def]
    client, services = prod_client
    signer, residents = await _bound_partner(services, ["card-1", "card-2"])
    batch = {
        "events": [event(f"w{i}", subject=f"card-{1 + i % 2}", minutes_ago=400 - 30 * i) for i in range(8)]
    }
    response = await signer.post(client, "/events", batch)
    assert response.status_code == 202
    assert await _statuses(pg_committed) == {f"w{i}": "received" for i in range(8)}
    worker = await _run_worker(prod_settings)
    assert worker.jobs_complete >= 1
    assert set((await _statuses(pg_committed)).values()) == {"credited"}
    async with pg_committed.session() as session:
        for resident in residents.values():
            balance = await session.scalar(
                sa.select(Account.balance).where(Account.code == f"wallet:{resident}")
            )
            assert balance == 4 * 134 // 10  # four trips of 134 g, the sub-coin grams carried
        assert (await verify_ledger(session)).ok


async def test_redis_down_during_a_batch_then_the_sweeper_catches_up(
    tmp_path, pg_committed, prod_settings
) -> None:  # type: ignore[no-untyped-def]
    down = prod_settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    app = create_app(down, database=pg_committed, periodic=False)
    app.state.services = await start_services(down, pg_committed, periodic=False)
    try:
        signer, _ = await _bound_partner(app.state.services, ["card-9"])
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://tanbi.test") as client:
            response = await signer.post(client, "/events", {"events": [event("d1", subject="card-9")]})
        assert response.status_code == 202, response.text
        assert response.json()["events"][0]["status"] == "accepted"
    finally:
        await stop_services(app.state.services)
    assert await _statuses(pg_committed) == {"d1": "received"}
    async with pg_committed.session() as session:
        await session.execute(sa.update(PartnerEvent).values(received_at=utcnow() - dt.timedelta(minutes=5)))
    pool = redis_pool(prod_settings.redis_url, prod_settings.jobs.queue_name)
    try:
        ctx = {
            "settings": prod_settings,
            "database": pg_committed,
            "queue": ArqQueue(pool, prod_settings.jobs.queue_name),
        }
        assert await sweep_partner_events(ctx) == 1  # type: ignore[arg-type]
        await _run_worker(prod_settings)
    finally:
        keys = [k async for k in pool.scan_iter(match=f"{prod_settings.jobs.queue_name}*")]
        if keys:
            await pool.delete(*keys)
        await pool.aclose()
    assert await _statuses(pg_committed) == {"d1": "credited"}


async def test_a_batch_processed_twice_or_after_a_crash_credits_once(prod_settings, pg_committed) -> None:  # type: ignore[no-untyped-def]
    services = await start_services(prod_settings, pg_committed, periodic=False)
    try:
        signer, residents = await _bound_partner(services, ["card-5"])
        async with pg_committed.session() as session:
            partner = await session.get(Partner, signer.partner_id)
            batch = {"events": [event(f"k{i}", subject="card-5", minutes_ago=500 - 30 * i) for i in range(6)]}
            await Ingest(session, services.registry, services.hash_key, 500).accept(
                partner, "msg_k", batch, utcnow()
            )
        async with pg_committed.session() as session:
            ids = list((await session.scalars(sa.select(PartnerEvent.id))).all())
        # A worker dies mid-batch: its transaction never commits.
        async with pg_committed.sessions() as session:
            await process_events(session, prod_settings, services.registry, ids[:3])
            await session.rollback()
        assert set((await _statuses(pg_committed)).values()) == {"received"}

        async def worker_run() -> None:
            async with pg_committed.session() as session:
                await process_events(session, prod_settings, services.registry, ids)

        await asyncio.gather(worker_run(), worker_run(), worker_run())
        assert set((await _statuses(pg_committed)).values()) == {"credited"}
        async with pg_committed.session() as session:
            balance = await session.scalar(
                sa.select(Account.balance).where(Account.code == f"wallet:{residents['card-5']}")
            )
            assert balance == 6 * 134 // 10  # six trips of 134 g, the sub-coin grams carried
            assert (await verify_ledger(session)).ok
    finally:
        await stop_services(services)


async def test_a_rotated_secret_keeps_working_for_the_grace_period(prod_client, pg_committed) -> None:  # type: ignore[no-untyped-def]
    client, services = prod_client
    signer, _ = await _bound_partner(services, ["card-7"])
    box = SecretBox(services.settings.auth.secrets_key.get_secret_value())
    async with pg_committed.session() as session:
        rotated = await rotate_secret(session, box, signer.partner_id, grace_hours=24)
    new = Signer(signer.partner_id, rotated.secret)
    assert (await signer.get(client, "/events")).status_code == 200
    assert (await new.get(client, "/events")).status_code == 200
    async with pg_committed.session() as session:
        await session.execute(
            sa.update(PartnerSecret)
            .where(PartnerSecret.valid_until.is_not(None))
            .values(valid_until=utcnow() - dt.timedelta(seconds=1))
        )
    assert (await signer.get(client, "/events")).json()["code"] == "bad_signature"
    assert (await new.get(client, "/events")).status_code == 200
    async with pg_committed.session() as session:
        stored = (await session.scalars(sa.select(PartnerSecret.encrypted))).all()
    assert all(not value.startswith("whsec_") and rotated.secret not in value for value in stored)
