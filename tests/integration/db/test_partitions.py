"""Monthly partitions on PostgreSQL: where rows land, uniqueness across months, the months kept ahead."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from service.actions.keys import CREDIT_PATH_CHECKS
from service.actions.models import Action, ActionKey, ActionSource
from service.db import partitions
from service.db.base import table
from service.db.maintenance import ensure_partitions
from service.jobs.queue import InProcessQueue
from service.ledger.models import Transfer
from service.ledger.verify import verify_ledger
from service.partners.models import PartnerEvent
from tests.integration.actions.conftest import NOW, actions_for, bus, new_resident, registry  # noqa: F401  (fixture)
from tests.integration.partners.conftest import Signer, partner  # noqa: F401  (fixture)

pytestmark = pytest.mark.parametrize("database", ["postgres"], indirect=True)


def month(offset: int = 0) -> dt.datetime:
    """The first instant (UTC) of the month ``offset`` months from the database's now."""
    today = dt.datetime.now(dt.UTC)
    index = today.year * 12 + today.month - 1 + offset
    return dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=dt.UTC)


async def partition_of(session: Any, name: str, row_id: int) -> str:
    query = sa.text(f"SELECT CAST(CAST(tableoid AS regclass) AS text) FROM {name} WHERE id = :id")
    return str(await session.scalar(query, {"id": row_id}))


async def partitions_of(session: Any, parent: str) -> dict[str, str]:
    rows = await session.execute(
        sa.text(
            "SELECT child.relname, pg_get_expr(child.relpartbound, child.oid) FROM pg_inherits "
            "JOIN pg_class parent ON parent.oid = inhparent JOIN pg_class child ON child.oid = inhrelid "
            "WHERE parent.relname = :parent"
        ),
        {"parent": parent},
    )
    return dict(rows.all())


async def copy_row(
    session: Any, model: type[Any], row_id: int, new_id: int, *, into: str | None = None, **changed: Any
) -> None:
    """Store a copy of a row under ``new_id`` (another month's id), with ``changed`` columns, through the
    partitioned table or, ``into``, straight into one of its partitions."""
    columns = [c.name for c in table(model).columns if c.name != "id" and c.name not in changed]
    names = ", ".join(["id", *changed, *columns])
    values = ", ".join([":new_id", *(f":{c}" for c in changed), *columns])
    name = model.__tablename__
    await session.execute(
        sa.text(f"INSERT INTO {into or name} ({names}) SELECT {values} FROM {name} WHERE id = :id"),
        {"new_id": new_id, "id": row_id, **changed},
    )


async def credit(session: Any, settings: Any, registry: Any, source: str) -> Action:  # noqa: F811  (a parameter)
    resident = await new_resident(session)
    service = actions_for(session, settings, registry)
    recorded = await service.record_action(
        resident, "bus_trip", bus(NOW - dt.timedelta(hours=3)), NOW, source
    )
    assert recorded.action.transfer_id is not None
    return recorded.action


async def test_each_table_has_its_legacy_part_this_month_and_the_months_ahead(database) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        for parent in partitions.PARTITIONED:
            found = await partitions_of(session, parent)
            first = partitions.month_key(month())
            assert found[f"{parent}_legacy"] == "FOR VALUES FROM (MINVALUE) TO ('1099511627776')"
            assert (
                found[f"{parent}_{month():%Y%m}"] == f"FOR VALUES FROM ('{first}') TO ('{first + (1 << 40)}')"
            )
            assert {f"{parent}_{month(i):%Y%m}" for i in range(partitions.MONTHS_AHEAD + 1)} <= set(found)


async def test_a_credit_and_its_transfer_land_in_the_partition_of_their_month(
    database: Any,
    settings: Any,
    registry: Any,  # noqa: F811
) -> None:
    async with database.session() as session:
        action = await credit(session, settings, registry, "test:partition:1")
        assert partitions.month_of(action.id) == (month().year, month().month)
        assert await partition_of(session, "actions", action.id) == f"actions_{month():%Y%m}"
        assert await partition_of(session, "transfers", action.transfer_id) == f"transfers_{month():%Y%m}"
        key = await session.get(ActionKey, (action.id, action.resident_id))
        assert key.transfer_id == action.transfer_id
        source = await session.get(ActionSource, "test:partition:1")
        assert source.action_id == action.id


# It stores an action by hand, on purpose: neither the roll-ups nor the carry chain heard of it.
@pytest.mark.tampers_with_actions
@pytest.mark.tampers_with_books
async def test_a_source_key_or_credit_transfer_is_refused_in_another_month(
    database: Any,
    settings: Any,
    registry: Any,  # noqa: F811
) -> None:
    next_month = partitions.month_key(month(1)) + 7
    async with database.session() as session:
        action = await credit(session, settings, registry, "test:partition:2")
        # The same credit transfer (action_keys), the same source key (action_sources), in another month.
        for changed, key_table in (
            ({}, "action_keys"),
            ({"source_key": "test:partition:other"}, "action_keys"),
            ({"transfer_id": None}, "pk_action_sources"),
        ):
            with pytest.raises(IntegrityError, match=key_table):
                async with session.begin_nested():
                    await copy_row(session, Action, action.id, next_month, **changed)
        # A fresh source key without a transfer is a new action, and it is stored in next month's part.
        await copy_row(
            session, Action, action.id, next_month, source_key="test:partition:3", transfer_id=None
        )
        assert await partition_of(session, "actions", next_month) == f"actions_{month(1):%Y%m}"


async def test_an_idempotency_key_is_refused_in_another_month(
    database: Any,
    settings: Any,
    registry: Any,  # noqa: F811
) -> None:
    async with database.session() as session:
        action = await credit(session, settings, registry, "test:partition:4")
        with pytest.raises(IntegrityError, match="transfer_keys"):
            async with session.begin_nested():
                await copy_row(session, Transfer, action.transfer_id, partitions.month_key(month(1)) + 1)


async def test_an_event_is_stored_only_under_the_key_it_claimed(
    database: Any,
    partner: Signer,  # noqa: F811
    client: Any,
) -> None:
    from tests.integration.partners.test_ingest import event

    response = await partner.post(client, "/events", {"events": [event("partition-e1")]})
    assert response.json()["events"][0]["status"] == "accepted"
    async with database.session() as session:
        stored = await session.scalar(sa.select(PartnerEvent).where(PartnerEvent.event_id == "partition-e1"))
        assert await partition_of(session, "partner_events", stored.id) == f"partner_events_{month():%Y%m}"
        with pytest.raises(IntegrityError, match="partner_event_keys"):
            async with session.begin_nested():
                await copy_row(session, PartnerEvent, stored.id, partitions.month_key(month(1)) + 1)
    again = await partner.post(client, "/events", {"events": [event("partition-e1")]})
    assert again.json()["events"][0]["status"] == "duplicate"


async def test_the_job_creates_the_missing_months_and_only_those(database, settings) -> None:  # type: ignore[no-untyped-def]
    last = f"actions_{month(partitions.MONTHS_AHEAD):%Y%m}"
    async with database.session() as session:
        await session.execute(sa.text(f"ALTER TABLE actions DETACH PARTITION {last}"))
        await session.execute(sa.text(f"DROP TABLE {last}"))
        assert await partitions.months_ahead(session, dt.datetime.now(dt.UTC)) == partitions.MONTHS_AHEAD - 1
    ctx = {"settings": settings, "database": database, "queue": InProcessQueue({}, {})}
    assert await ensure_partitions(ctx) == 1  # type: ignore[arg-type]
    assert await ensure_partitions(ctx) == 0  # type: ignore[arg-type]
    async with database.session() as session:
        assert last in await partitions_of(session, "actions")
        assert await partitions.months_ahead(session, dt.datetime.now(dt.UTC)) == partitions.MONTHS_AHEAD
        # Without this month's partition an insert would fail: the figure says so with -1.
        await session.execute(sa.text(f"ALTER TABLE transfers DETACH PARTITION transfers_{month():%Y%m}"))
        assert await partitions.months_ahead(session, dt.datetime.now(dt.UTC)) == -1


@pytest.mark.tampers_with_books
async def test_ledger_verify_finds_a_transfer_stored_past_its_key_trigger(
    database: Any,
    settings: Any,
    registry: Any,  # noqa: F811
) -> None:
    """Why docs/operations.md says never to insert into a partition: the parent's statement trigger that
    writes the key row does not fire there. ``ledger verify`` is what notices."""
    async with database.session() as session:
        action = await credit(session, settings, registry, "test:partition:bypass")
        bypass = partitions.month_key(month()) + (1 << 39)
        partition = f"transfers_{month():%Y%m}"
        await copy_row(
            session, Transfer, action.transfer_id, bypass, into=partition, idempotency_key="bypass"
        )
        report = await verify_ledger(session, *CREDIT_PATH_CHECKS)
    [keys] = [c for c in report.checks if c.name == "transfers_match_their_keys"]
    assert keys.mismatches == [f"transfer {bypass}: transfer_keys lacks its key 'bypass' as it stands"]
