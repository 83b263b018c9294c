"""Migration 0022 on a database with rows: they become the legacy partition, uncopied, books intact."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from service.actions.keys import CREDIT_PATH_CHECKS
from service.actions.models import Action
from service.actions.service import Recorded
from service.db import partitions
from service.db.dialect import postgresql
from service.db.engine import Database
from service.db.migrate import downgrade, upgrade
from service.identity.models import Resident
from service.ledger.models import Transfer
from service.ledger.verify import verify_ledger
from service.partners.models import Partner, PartnerEvent, PartnerEventKey
from tests.conftest import make_settings
from tests.fixtures.databases import create_pg_database, drop_pg_database
from tests.integration.actions.conftest import NOW, actions_for, bus, registry  # noqa: F401  (fixture)
from tests.integration.db.test_partitions import copy_row

# Foreign keys into a partitioned table go through its key table (a plain lookup); nothing refers to a
# partitioned table itself (migration 0022 says why).
REFERRING = {
    "transfers": set(),
    "transfer_keys": {
        "actions",
        "charges",
        "donations",
        "idempotency_records",
        "lot_allocations",
        "lots",
        "transfers",
    },
    "actions": set(),
    # Occupancy, evidence claims and partner events lost theirs in 0023 (they would cross Citus groups).
    "action_keys": {"batch_actions"},
    "partner_events": set(),
}


@pytest.fixture
async def at_head() -> AsyncIterator[str]:
    url = await create_pg_database("tanbi_partition")
    await asyncio.to_thread(upgrade, url)
    try:
        yield url
    finally:
        await drop_pg_database(url)


async def _plain_ids(database: Database) -> None:
    """Ids as the sequences alone hand them out, as before 0022 (the rows land in the legacy partitions)."""
    async with database.session() as session:
        for name in partitions.PARTITIONED:
            await session.execute(
                sa.text(
                    f"ALTER TABLE {name} ALTER COLUMN id SET DEFAULT "
                    f"nextval(pg_get_serial_sequence('{name}', 'id'))"
                )
            )
        await session.commit()


async def _credit(database: Database, settings: Any, registry: Any, phone: str, source: str) -> Recorded:  # noqa: F811
    async with database.session() as session:
        resident = Resident(phone_hash=f"hash-{phone}", created_at=NOW)
        session.add(resident)
        await session.flush()
        service = actions_for(session, settings, registry)
        return await service.record_action(
            resident.id, "bus_trip", bus(NOW - dt.timedelta(hours=3)), NOW, source
        )


async def _legacy_event(database: Database, action_id: int) -> int:
    """An event with a plain sequence id (its key claimed, which the downgrade to 0021 drops)."""
    async with database.session() as session:
        partner = Partner(name="Legacy bus", methodologies=["bus_trip"], created_at=NOW)
        session.add(partner)
        await session.flush()
        event_id = await session.scalar(
            sa.text("SELECT nextval(pg_get_serial_sequence('partner_events', 'id'))")
        )
        session.add(PartnerEventKey(partner_id=partner.id, event_id="legacy-e1", partner_event_id=event_id))
        await session.flush()
        event = PartnerEvent(
            id=event_id,
            partner_id=partner.id,
            event_id="legacy-e1",
            type="bus_trip",
            subject_hash="h" * 64,
            occurred_at=NOW,
            evidence={},
            status="credited",
            action_id=action_id,
            reasons=[],
            attempts=1,
            received_at=NOW,
        )
        session.add(event)
        await session.commit()
        return event.id


async def _referring(session: Any, parent: str) -> set[str]:
    rows = await session.scalars(
        sa.text(
            "SELECT DISTINCT CAST(CAST(conrelid AS regclass) AS text) FROM pg_constraint "
            "WHERE contype = 'f' AND confrelid = CAST(:parent AS regclass) AND conparentid = 0 "
            "AND conrelid <> confrelid"
        ),
        {"parent": parent},
    )
    return set(rows.all())


async def test_rows_from_before_stay_put_as_the_legacy_partition_and_keep_their_books(
    at_head: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    registry: Any,  # noqa: F811
) -> None:
    """Rows written by today's code with the plain ids of before 0022, taken down to 0021 (which drops what
    0021 did not have), then up again: what 0022 met in a database of 0021."""
    database, settings = Database.from_url(at_head), make_settings(tmp_path, at_head)
    try:
        await _plain_ids(database)
        with monkeypatch.context() as as_before:
            as_before.setattr(postgresql, "PARTITIONED", ())  # the code of 0021 drew plain sequence ids
            old = await _rows_from_before(database, settings, registry)
        await asyncio.to_thread(downgrade, at_head, "0021")
        await database.engine.dispose()  # its connections cached the types and plans of the head schema
        database = Database.from_url(at_head)
        await _migrate_and_check(database, settings, registry, at_head, old)
    finally:
        await database.engine.dispose()


async def _rows_from_before(database: Database, settings: Any, registry: Any) -> tuple[list[Action], int]:  # noqa: F811
    old = [
        (await _credit(database, settings, registry, f"1390000010{i}", f"legacy:{i}")).action
        for i in range(3)
    ]
    event_id = await _legacy_event(database, old[0].id)
    assert all(a.id < 1 << 40 for a in old)
    return old, event_id


async def _migrate_and_check(
    database: Database,
    settings: Any,
    registry: Any,  # noqa: F811
    url: str,
    before: tuple[list[Action], int],
) -> None:
    old, event_id = before
    await asyncio.to_thread(upgrade, url)

    async with database.session() as session:
        for action in old:
            where = sa.text("SELECT CAST(CAST(tableoid AS regclass) AS text) FROM actions WHERE id = :id")
            assert await session.scalar(where, {"id": action.id}) == "actions_legacy"
        moved = sa.text("SELECT CAST(CAST(tableoid AS regclass) AS text) FROM partner_events WHERE id = :id")
        assert await session.scalar(moved, {"id": event_id}) == "partner_events_legacy"
        for parent, tables in REFERRING.items():
            assert await _referring(session, parent) == tables
        assert (await verify_ledger(session, *CREDIT_PATH_CHECKS)).ok  # the key tables were filled
    # The legacy source keys still guard against a second credit, and a new credit lands in its month.
    again = await _credit(database, settings, registry, "13900000109", "legacy:1")
    assert (again.created, again.action.id) == (False, old[1].id)
    month_id = partitions.month_key(dt.datetime.now(dt.UTC)) + 9
    async with database.session() as session:
        with pytest.raises(IntegrityError, match="action_keys"):
            async with session.begin_nested():
                await copy_row(session, Action, old[2].id, month_id)
    new = (await _credit(database, settings, registry, "13900000110", "after:1")).action
    assert new.id >= partitions.month_key(dt.datetime.now(dt.UTC))
    async with database.session() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 4
        report = await verify_ledger(session, *CREDIT_PATH_CHECKS)
        assert report.ok, report.as_text()
