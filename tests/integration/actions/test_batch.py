"""The batch credit path decides and writes exactly what recording the same items one by one would.

Each comparison runs the items both ways from the same stored history (each in a savepoint rolled back
afterwards) and compares everything the credit path writes: the actions with their reasons, breakdown and
context, occupancy, claims, cap counters, transfers, lots and balances.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from service.actions.batch import ActionSummary, BatchCredit, BatchItem
from service.actions.carry import carry_chain
from service.actions.models import Action, CapCounter, EvidenceClaim, Occupancy
from service.city.rollups import RollupLog
from service.errors import DomainError
from service.ledger.models import Account, Lot, Transfer
from service.ledger.service import Credit, IssueMode, Ledger
from service.ledger.verify import verify_ledger
from tests.integration.actions.conftest import (
    NOW,
    ZONE,
    actions_for,
    bus,
    charging,
    new_resident,
    parked,
)
from tests.integration.actions.test_assets_and_history import installer, reading, record

NOW_PV = dt.datetime(2026, 7, 2, 12, 0, tzinfo=ZONE)
DAY = dt.timedelta(days=1)


async def one_by_one(session, settings, registry, items: list[BatchItem], clock) -> list[Any]:  # type: ignore[no-untyped-def]
    service = actions_for(session, settings, registry, clock=clock)
    results: list[Any] = []
    for item in items:
        try:
            recorded = await service.record_action(
                item.resident_id, item.methodology_id, item.evidence, item.reported_at, item.source
            )
        except DomainError as refused:
            results.append(refused)
        else:
            results.append(ActionSummary.of(recorded.action))
    return results


async def written(session) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Everything the credit path wrote, with database ids replaced by source keys and account codes."""
    # As stored, not as the session holds the objects it added (the batch path adds none).
    actions = (await session.scalars(sa.select(Action).execution_options(populate_existing=True))).all()
    source = {a.id: a.source_key for a in actions}
    # A wallet made in a rolled-back run gets a new id next time, and with it another issuance shard.
    codes = {
        i: ("issuance" if c.startswith("issuance:") else c)
        for i, c in (await session.execute(sa.select(Account.id, Account.code))).all()
    }
    transfers = (await session.scalars(sa.select(Transfer))).all()
    balances: dict[str, int] = {}
    for account_id, balance in (await session.execute(sa.select(Account.id, Account.balance))).all():
        balances[codes[account_id]] = balances.get(codes[account_id], 0) + balance
    by_transfer = {a.transfer_id: a.source_key for a in actions if a.transfer_id}

    def context(c: dict[str, Any]) -> dict[str, Any]:
        c = dict(c)
        c["overlapping"] = sorted(source.get(i, f"id:{i}") for i in c.get("overlapping", []))
        c["claimed_by"] = {k: source.get(v, v) for k, v in c.get("claimed_by", {}).items()}
        return c

    return {
        "actions": {
            a.source_key: (
                a.resident_id,
                a.methodology_id,
                a.status,
                a.reasons,
                a.grams,
                a.coins,
                a.remainder_grams,
                a.params_version,
                a.params_hash,
                a.history_key,
                a.evidence,
                a.breakdown,
                json.dumps(context(a.context)),  # key order too: SQLite keeps it
                a.occurred_at,
                by_transfer.get(a.transfer_id) if a.transfer_id else None,
            )
            for a in actions
        },
        "occupancy": sorted(
            (source[o.action_id], o.scope_key, o.starts_at, o.ends_at)
            for o in (await session.scalars(sa.select(Occupancy))).all()
        ),
        "claims": {
            c.key: source[c.action_id] for c in (await session.scalars(sa.select(EvidenceClaim))).all()
        },
        "counters": dict((await session.execute(sa.select(CapCounter.key, CapCounter.used_micro))).all()),
        "balances": balances,
        "transfers": sorted(
            (codes[t.debit_account_id], codes[t.credit_account_id], t.amount, t.kind, by_transfer.get(t.id))
            for t in transfers
        ),
        "lots": sorted(
            (codes[lot.account_id], lot.amount, lot.remaining, lot.expires_at)
            for lot in (await session.scalars(sa.select(Lot))).all()
        ),
    }


def comparable(results: list[Any], session_sources: dict[int, str]) -> list[Any]:
    out = []
    for r in results:
        if isinstance(r, DomainError):
            out.append(("refused", r.code))
        else:
            out.append((session_sources[r.action_id], r.status, r.grams, r.coins, r.reasons))
    return out


async def both_ways(session, settings, registry, items: list[BatchItem], clock) -> tuple[Any, Any]:  # type: ignore[no-untyped-def]
    """(one by one, batch): each the comparable results and what was written."""
    outcomes = []
    for run in ("one_by_one", "batch"):
        savepoint = await session.begin_nested()
        if run == "batch":
            results = await BatchCredit(session, settings, registry, clock, rollups=RollupLog()).record(items)
        else:
            results = await one_by_one(session, settings, registry, items, clock)
        sources = dict((await session.execute(sa.select(Action.id, Action.source_key))).all())
        report = await verify_ledger(session, carry_chain)
        assert report.ok, report.as_text()
        outcomes.append((comparable(results, sources), await written(session)))
        await savepoint.rollback()
    return outcomes[0], outcomes[1]


async def test_a_mixed_batch_matches_one_by_one(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        rider, other = await new_resident(session, "13900000201"), await new_resident(session, "13900000202")
        service = actions_for(session, settings, registry)
        morning = NOW - dt.timedelta(hours=10)
        await service.record_action(rider, "bus_trip", bus(morning), None, "stored:1")
        await service.record_action(other, "ev_charging", charging(NOW - 2 * DAY, "S-OLD"), None, "stored:2")
        items = [
            BatchItem(rider, "bus_trip", bus(morning + dt.timedelta(minutes=5)), None, "b:overlaps-stored"),
            *(
                BatchItem(rider, "bus_trip", bus(morning + dt.timedelta(minutes=30 * n)), None, f"b:trip:{n}")
                for n in range(1, 14)  # past the daily trip and gram caps, some overlapping each other
            ),
            BatchItem(rider, "bus_trip", bus(morning + dt.timedelta(minutes=40)), None, "b:trip:1"),  # repeat
            BatchItem(rider, "bus_trip", bus(morning), None, "stored:1"),  # already stored
            BatchItem(rider, "bus_trip", {"boarded_at": "yesterday"}, None, "b:invalid"),
            BatchItem(rider, "no_such_methodology", {}, None, "b:unknown"),
            BatchItem(rider, "ev_charging", charging(NOW - 3 * DAY, "S-OLD"), None, "b:claimed-stored"),
            BatchItem(rider, "ev_charging", charging(NOW - 3 * DAY, "S-NEW"), None, "b:ev:1"),
            BatchItem(other, "ev_charging", charging(NOW - 4 * DAY, "S-NEW"), None, "b:ev:claimed-in-batch"),
            BatchItem(other, "ev_charging", charging(NOW - 1 * DAY, "S-2", kwh="100"), None, "b:ev:cap:1"),
            BatchItem(
                other,
                "ev_charging",
                charging(NOW - 1 * DAY + dt.timedelta(hours=6), "S-3", kwh="60"),
                None,
                "b:ev:cap:2",
            ),
            *(
                BatchItem(other, "car_free_day", parked((NOW - n * DAY).date()), None, f"b:car:{n}")
                for n in range(1, 12)
            ),
            BatchItem(rider, "car_free_day", parked((NOW - DAY).date()), None, "b:car:someone-else"),
            # The charged EV's odometer: its caps are shared with charging (stored context lists them).
            BatchItem(other, "nev_driving", odometer(NOW - 20 * DAY, "1000", "1300"), None, "b:nev:1"),
            BatchItem(other, "nev_driving", odometer(NOW - 10 * DAY, "1300", "1700"), None, "b:nev:2"),
        ]
        one, batch = await both_ways(session, settings, registry, items, lambda: NOW)
        assert batch == one
        statuses = [r[1] for r in one[0] if r[0] != "refused"]
        assert "accepted" in statuses
        assert "rejected" in statuses
        assert ("refused", "invalid_evidence") in one[0]


def odometer(start: dt.datetime, km_from: str, km_to: str) -> dict[str, str]:
    return {
        "vin": "LGXCE4CB000000001",
        "powertrain": "bev",
        "vehicle_use": "private",
        "period_start": start.isoformat(),
        "period_end": (start + 10 * DAY).isoformat(),
        "odometer_start_km": km_from,
        "odometer_end_km": km_to,
    }


async def test_meter_readings_see_stored_and_batch_history(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        owner = await new_resident(session, "13900000203")
        await record(session, registry, await installer(session), owner)
        d20 = dt.datetime(2026, 6, 20, tzinfo=ZONE)
        clock = lambda: NOW_PV  # noqa: E731
        service = actions_for(session, settings, registry, clock=clock)
        meter = {"meter_start_kwh": "1000", "meter_end_kwh": "1025"}
        await service.record_action(
            owner, "rooftop_solar", reading(d20, d20 + DAY, **meter), None, "pv:stored"
        )

        def day(n: int, start: str, end: str) -> dict[str, str]:
            return reading(d20 + n * DAY, d20 + (n + 1) * DAY, meter_start_kwh=start, meter_end_kwh=end)

        items = [
            BatchItem(owner, "rooftop_solar", day(1, "1025", "1050"), None, "pv:1"),  # previous: stored
            BatchItem(owner, "rooftop_solar", day(2, "1040", "1060"), None, "pv:2"),  # runs back vs pv:1
            BatchItem(owner, "rooftop_solar", day(3, "1050", "1070"), None, "pv:3"),
            BatchItem(
                owner, "rooftop_solar", day(-2, "950", "975"), None, "pv:older"
            ),  # before the stored one
            BatchItem(owner, "rooftop_solar", day(0, "1000", "1025"), None, "pv:again"),  # overlaps stored
        ]
        one, batch = await both_ways(session, settings, registry, items, clock)
        assert batch == one
        assert [r[4] for r in one[0]][:2] == [[], ["meter_rollback"]]


async def test_a_batch_credit_replays_through_the_ledger(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    """The batch issues FRESH the records a CHECKED issue would write: a CHECKED replay moves nothing."""
    async with database.session() as session:
        rider = await new_resident(session, "13900000204")
        items = [BatchItem(rider, "bus_trip", bus(NOW - dt.timedelta(hours=3)), None, "replay:1")]
        (summary,) = await BatchCredit(session, settings, registry, lambda: NOW, rollups=RollupLog()).record(
            items
        )
        assert isinstance(summary, ActionSummary)
        assert summary.coins == 13
        action = await session.get(Action, summary.action_id)
        ledger = Ledger(session, settings.ledger, settings.zone)
        key = f"action:{action.id}"
        again = await ledger.issue([Credit(rider, 13, key, key)], mode=IssueMode.CHECKED)
        assert again == [action.transfer_id]
        wallet = await session.scalar(sa.select(Account.balance).where(Account.code == f"wallet:{rider}"))
        assert wallet == 13
        assert (await verify_ledger(session)).ok


async def test_a_batch_costs_the_same_statements_whatever_its_size(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    """Each table is written with one statement and each history read once, on both dialects: a batch of
    forty trips of ten residents runs exactly as many statements as a batch of two trips of one."""
    async with database.session() as session:
        riders = [await new_resident(session, f"139000005{n:02d}") for n in range(10)]

        async def statements(items: list[BatchItem]) -> int:
            savepoint = await session.begin_nested()
            with counting_statements(database) as executed:
                results = await BatchCredit(
                    session, settings, registry, lambda: NOW, rollups=RollupLog()
                ).record(items)
            assert {r.status for r in results} == {"accepted", "rejected"}  # caps and overlaps decided
            await savepoint.rollback()
            return len(executed)

        def trips(residents: list[int], per_resident: int) -> list[BatchItem]:
            hours = (0, 0, *range(1, per_resident - 1))  # the repeated start overlaps
            return [
                BatchItem(r, "bus_trip", bus(NOW - dt.timedelta(hours=20 - h)), None, f"size:{r}:{n}")
                for r in residents
                for n, h in enumerate(hours)
            ]

        small, large = await statements(trips(riders[:1], 2)), await statements(trips(riders, 4))
        assert small == large  # one by one, forty actions would take some two thousand


@contextmanager
def counting_statements(database) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    executed: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        executed.append(statement)

    engine = database.engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield executed
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


async def test_batches_and_single_records_interleave_in_one_transaction(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    """Ids reserved for a batch (a sequence on PostgreSQL, the rowid's next values on SQLite) never meet the
    ids of rows recorded one by one before or after it in the same transaction."""
    async with database.session() as session:
        rider = await new_resident(session, "13900000205")
        service = actions_for(session, settings, registry)
        start = NOW - dt.timedelta(days=6)
        batch = BatchCredit(session, settings, registry, lambda: NOW, rollups=RollupLog())
        ids = []
        for day in range(6):
            first = start + day * DAY
            if day % 2:
                recorded = await service.record_action(rider, "bus_trip", bus(first), None, f"i:{day}")
                ids.append(recorded.action.id)
                continue
            trips = (first, first + dt.timedelta(hours=2))
            items = [BatchItem(rider, "bus_trip", bus(t), None, f"i:{day}:{t:%H}") for t in trips]
            ids += [r.action_id for r in await batch.record(items)]
        assert ids == sorted(set(ids))
        transfers = (await session.scalars(sa.select(Action.transfer_id).where(Action.id.in_(ids)))).all()
        assert len(set(transfers)) == len(ids)
        assert (await verify_ledger(session)).ok


trip_starts = st.lists(
    st.tuples(
        st.integers(0, 1), st.integers(0, 2 * 24 * 4 - 1), st.sampled_from([10, 20, 45]), st.booleans()
    ),
    min_size=1,
    max_size=30,
)


@hyp_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(trips=trip_starts)
async def test_random_trips_batch_as_one_by_one(database, settings, registry, trips) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        residents = [await new_resident(session, f"139000003{n:02d}") for n in range(2)]
        base = NOW - dt.timedelta(days=3)
        items = []
        for n, (who, quarter, minutes, repeat) in enumerate(trips):
            source = f"h:{n - 1}" if repeat and n else f"h:{n}"
            start = base + dt.timedelta(minutes=15 * quarter)
            items.append(BatchItem(residents[who], "bus_trip", bus(start, minutes), None, source))
        one, batch = await both_ways(session, settings, registry, items, lambda: NOW)
        assert batch == one
        await session.rollback()


async def test_racing_batches_credit_each_trip_once(pg_committed, registry, settings_factory) -> None:  # type: ignore[no-untyped-def]
    """Eight batches and eight single reports of the same trips at once: every trip credited once."""
    settings = settings_factory(pg_committed)
    async with pg_committed.session() as session:
        rider = await new_resident(session, "13900000206")
    starts = [NOW - dt.timedelta(hours=12) + dt.timedelta(minutes=30 * n) for n in range(8)]

    async def batch(k: int) -> None:
        async with pg_committed.session() as session:
            items = [
                BatchItem(rider, "bus_trip", bus(s), None, f"race:{k}:{n}") for n, s in enumerate(starts)
            ]
            await BatchCredit(session, settings, registry, lambda: NOW, rollups=RollupLog()).record(items)
            await session.commit()

    async def single(k: int) -> None:
        async with pg_committed.session() as session:
            await actions_for(session, settings, registry).record_action(
                rider, "bus_trip", bus(starts[k]), None, f"race:single:{k}"
            )
            await session.commit()

    await asyncio.gather(*(batch(k) for k in range(8)), *(single(k) for k in range(8)))
    async with pg_committed.session() as session:
        accepted = (
            await session.scalars(sa.select(Action.occurred_at).where(Action.status == "accepted"))
        ).all()
        assert sorted(accepted) == sorted(starts)
        balance = await session.scalar(sa.select(Account.balance).where(Account.code == f"wallet:{rider}"))
        grams = await session.scalar(sa.select(sa.func.sum(Action.grams)).where(Action.status == "accepted"))
        # Racing both paths, no sub-coin gram is lost: 8 x 134 g is 107 coins (8 x 13 without the carry).
        assert balance == grams // settings.ledger.grams_per_coin == 107
        assert (await verify_ledger(session, carry_chain)).ok


async def test_racing_batches_of_different_residents_share_issuance_without_deadlock(
    pg_committed, registry, settings_factory
) -> None:  # type: ignore[no-untyped-def]
    """Batches of disjoint residents run at once and all debit the same few issuance accounts."""
    settings = settings_factory(pg_committed)
    async with pg_committed.session() as session:
        riders = [await new_resident(session, f"139000004{n:02d}") for n in range(16)]
        await session.commit()
    starts = [NOW - dt.timedelta(days=9) + dt.timedelta(hours=3 * n) for n in range(64)]

    async def batch(rider: int) -> None:
        for round_ in range(4):  # later rounds find the wallets made: only the balances contend
            async with pg_committed.session() as session:
                items = [
                    BatchItem(rider, "bus_trip", bus(s), None, f"shared:{rider}:{round_}:{n}")
                    for n, s in enumerate(starts[16 * round_ : 16 * round_ + 16])
                ]
                await BatchCredit(session, settings, registry, lambda: NOW, rollups=RollupLog()).record(items)
                await session.commit()

    await asyncio.gather(*(batch(r) for r in riders))
    async with pg_committed.session() as session:
        codes = [f"wallet:{r}" for r in riders]
        balances = (await session.scalars(sa.select(Account.balance).where(Account.code.in_(codes)))).all()
        assert sorted(balances) == [64 * 134 // 10] * len(riders)  # 64 trips of 134 g, none lost
        assert (await verify_ledger(session)).ok
