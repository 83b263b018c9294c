"""A fault while crediting (not a verdict) costs the faulty event an attempt, never its batch-mates.

The fault is injected into the methodology's code for one piece of evidence (distance 4242 m); everything
else, the database included, is real.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from service.db.base import utcnow
from service.identity.repository import IdentityRepository
from service.ledger.models import Account
from service.ledger.verify import verify_ledger
from service.methodology.registry import load_registry
from service.partners.bindings import bind, create_link_token
from service.partners.ingest import Ingest
from service.partners.models import Partner, PartnerEvent
from service.partners.processing import process_events
from service.partners.repository import PartnerRepository
from tests.integration.partners.test_ingest import event, trip


@pytest.fixture
def faulty_registry(monkeypatch):  # type: ignore[no-untyped-def]
    registry = load_registry()
    bus = registry.current("bus_trip")
    quantify = bus.quantify

    def faulty(evidence, params):  # type: ignore[no-untyped-def]
        if evidence.distance_m == 4242:
            raise RuntimeError("meter service unavailable")
        return quantify(evidence, params)

    monkeypatch.setattr(bus, "quantify", faulty)
    return registry


async def _setup(session, settings, registry) -> tuple[Partner, list[int]]:  # type: ignore[no-untyped-def]
    partner = Partner(name="Faulty Bus", methodologies=["bus_trip"], created_at=utcnow())
    session.add(partner)
    await session.flush()
    resident = await IdentityRepository(session).ensure_resident_by_phone_hash("fault-1", utcnow())
    hash_key = settings.auth.hash_key.get_secret_value().encode()
    token, _ = await create_link_token(session, partner, "card-001", hash_key, settings.partners, utcnow())
    await bind(session, resident.id, token, settings.partners, 500, utcnow())
    bad = event("e-bad", minutes_ago=600) | {"evidence": trip(600, metres=4242)}
    payload = {"events": [event("e-1", minutes_ago=300), bad, event("e-2", minutes_ago=120)]}
    ingest = Ingest(session, registry, hash_key, settings.partners.batch_size)
    await ingest.accept(partner, "msg_fault", payload, utcnow())
    ids = list((await session.scalars(sa.select(PartnerEvent.id).order_by(PartnerEvent.id))).all())
    return partner, ids


async def _statuses(session) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    rows = await session.execute(
        sa.select(
            PartnerEvent.event_id,
            PartnerEvent.status,
            PartnerEvent.attempts,
            PartnerEvent.error,
            PartnerEvent.next_attempt_at,
        )
    )
    return {row[0]: tuple(row[1:]) for row in rows}


async def test_a_faulty_event_backs_off_then_fails_and_its_batch_is_credited(
    database, settings, faulty_registry
) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        _, ids = await _setup(session, settings, faulty_registry)
        start = utcnow()
        outcome = await process_events(session, settings, faulty_registry, ids, clock=lambda: start)
        assert outcome.counts == {"credited": 2, "received": 1}
        statuses = await _statuses(session)
        assert statuses["e-1"][:2] == ("credited", 0)
        assert statuses["e-2"][:2] == ("credited", 0)
        status, attempts, error, next_attempt_at = statuses["e-bad"]
        assert (status, attempts, error) == ("received", 1, "RuntimeError: meter service unavailable")
        assert next_attempt_at == start + dt.timedelta(seconds=settings.partners.retry_base_seconds)

        repo, late = PartnerRepository(session), start + dt.timedelta(hours=2)
        assert await repo.stuck_event_ids(late, start + dt.timedelta(seconds=10), limit=10) == []
        assert await repo.stuck_event_ids(late, next_attempt_at, limit=10) == [ids[1]]

        for attempt in range(2, settings.partners.max_attempts + 1):
            await process_events(session, settings, faulty_registry, [ids[1]], clock=lambda: start)
            backoff = (await _statuses(session))["e-bad"][3]
            if attempt < settings.partners.max_attempts:
                expected = settings.partners.retry_base_seconds * 2 ** (attempt - 1)
                assert backoff == start + dt.timedelta(seconds=expected)
        status, attempts, error, _ = (await _statuses(session))["e-bad"]
        assert (status, attempts) == ("failed", settings.partners.max_attempts)
        assert error == "RuntimeError: meter service unavailable"
        assert await repo.stuck_event_ids(late, late, limit=10) == []

        wallet = await session.scalar(sa.select(Account.balance).where(Account.code.like("wallet:%")))
        assert wallet == 26  # the two good trips, 13 coins each; the faulty one never credited
        assert (await verify_ledger(session)).ok
