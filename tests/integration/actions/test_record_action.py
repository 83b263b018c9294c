"""The credit path on both dialects: verify, quantify, cap, store, credit — once per source key."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from service.actions.models import Action, ActionStatus
from service.ledger.models import Account, Transfer
from service.ledger.verify import verify_ledger
from service.methodology.params import params_hash
from tests.integration.actions.conftest import NOW, actions_for, bike, bus, charging, new_resident


async def _wallet_balance(session, resident_id: int) -> int:  # type: ignore[no-untyped-def]
    balance = await session.scalar(sa.select(Account.balance).where(Account.code == f"wallet:{resident_id}"))
    return balance or 0


async def test_accepted_trip_is_stored_with_versions_and_credited(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await new_resident(session)
        recorded = await actions_for(session, settings, registry).record_action(
            resident, "bus_trip", bus(NOW - dt.timedelta(hours=2)), NOW - dt.timedelta(hours=2), "test:bus:1"
        )
        action = recorded.action
        assert recorded.created
        assert (action.status, action.grams, action.coins, action.remainder_grams) == ("accepted", 134, 13, 4)
        # Code 2.0.0 with its shipped parameter version 2 (version 1 is 1.0.0's defaults).
        assert (action.methodology_id, action.code_version, action.params_version) == ("bus_trip", "2.0.0", 2)
        assert action.family == "public_transport"
        defaults = registry.current("bus_trip").Params().values()
        assert action.params_hash == params_hash(defaults)
        assert action.breakdown["exact_grams"] == "134.50"
        assert action.breakdown["gas"] == "CO2"
        assert action.breakdown["factors"][0]["name"] == "bus_reduction_g_per_pkm"
        transfer = await session.get(Transfer, action.transfer_id)
        assert transfer is not None
        assert transfer.amount == 13
        assert await _wallet_balance(session, resident) == 13
        assert (await verify_ledger(session)).ok


async def test_same_source_key_records_and_credits_once(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await new_resident(session)
        service = actions_for(session, settings, registry)
        trip = bus(NOW - dt.timedelta(hours=2))
        first = await service.record_action(resident, "bus_trip", trip, None, "test:bus:same")
        again = await service.record_action(resident, "bus_trip", trip, None, "test:bus:same")
        assert not again.created
        assert again.action.id == first.action.id
        assert await _wallet_balance(session, resident) == 13
        count = await session.scalar(sa.select(sa.func.count()).select_from(Action))
        assert count == 1


async def test_rejected_action_keeps_reasons_and_moves_no_coin(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await new_resident(session)
        recorded = await actions_for(session, settings, registry).record_action(
            resident, "bus_trip", bus(NOW - dt.timedelta(hours=2), minutes=2), None, "test:bus:fast"
        )
        assert recorded.action.status == ActionStatus.REJECTED
        assert recorded.action.reasons == ["implausible_speed"]
        assert (recorded.action.grams, recorded.action.coins, recorded.action.transfer_id) == (0, 0, None)
        assert await _wallet_balance(session, resident) == 0
        assert await session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 0


async def test_overlapping_trips_of_one_resident_are_refused_across_modes(
    database, settings, registry
) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        first, second = await new_resident(session, "13900000001"), await new_resident(session, "13900000002")
        service = actions_for(session, settings, registry)
        start = NOW - dt.timedelta(hours=3)
        await service.record_action(first, "bus_trip", bus(start), None, "test:o:1")
        same_bus = await service.record_action(
            first, "bus_trip", bus(start + dt.timedelta(minutes=5)), None, "test:o:2"
        )
        on_a_bike = await service.record_action(
            first, "bike_share_ride", bike(start + dt.timedelta(minutes=10)), None, "test:o:3"
        )
        someone_else = await service.record_action(second, "bus_trip", bus(start), None, "test:o:4")
        afterwards = await service.record_action(
            first, "bus_trip", bus(start + dt.timedelta(minutes=20)), None, "test:o:5"
        )
        assert same_bus.action.reasons == ["overlap"]
        assert on_a_bike.action.reasons == ["overlap"]
        assert someone_else.action.status == "accepted"
        assert afterwards.action.status == "accepted", (
            "a trip starting when the last one ended does not overlap"
        )


async def test_daily_trip_count_cap(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await new_resident(session)
        service = actions_for(session, settings, registry)
        day_start = dt.datetime(2026, 11, 19, 6, 0, tzinfo=NOW.tzinfo)
        statuses = []
        for n in range(11):
            trip = bus(day_start + dt.timedelta(minutes=30 * n), minutes=10, metres=1000)
            statuses.append(
                (await service.record_action(resident, "bus_trip", trip, None, f"test:c:{n}")).action
            )
        assert [a.status for a in statuses[:10]] == ["accepted"] * 10
        assert statuses[10].reasons == ["daily_cap"]
        next_day = bus(day_start + dt.timedelta(days=1), minutes=10, metres=1000)
        assert (
            await service.record_action(resident, "bus_trip", next_day, None, "test:c:next")
        ).action.status == "accepted"


async def test_daily_grams_cap_clips_then_refuses(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await new_resident(session)
        service = actions_for(session, settings, registry)
        day_start = dt.datetime(2026, 11, 18, 6, 0, tzinfo=NOW.tzinfo)
        credited = []
        for n in range(4):  # 40 km trips: 1076 g each; the cap is 3000 g a day
            trip = bus(day_start + dt.timedelta(hours=2 * n), minutes=60, metres=40_000)
            credited.append(
                (await service.record_action(resident, "bus_trip", trip, None, f"test:g:{n}")).action
            )
        assert [a.grams for a in credited] == [1076, 1076, 848, 0]
        assert [c["clipped_to"] for c in credited[2].breakdown["caps"] if "clipped_to" in c] == [848]
        assert credited[3].reasons == ["daily_cap"]
        assert sum(a.grams for a in credited) == 3000


async def test_same_charging_session_credits_once_whoever_reports_it(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        first, second = await new_resident(session, "13900000001"), await new_resident(session, "13900000002")
        service = actions_for(session, settings, registry)
        session_evidence = charging(NOW - dt.timedelta(days=1))
        ok = await service.record_action(first, "ev_charging", session_evidence, None, "partner:1:S1")
        dup = await service.record_action(second, "ev_charging", session_evidence, None, "partner:2:S1")
        assert (ok.action.status, ok.action.grams) == ("accepted", 12491)
        # The same session is the same evidence, and it also occupies the same EVSE at the same time.
        assert set(dup.action.reasons) == {"duplicate_evidence", "evse_overlap"}
        assert dup.action.context["claimed_by"] == {"ev_charging:CN*TNB:S1": ok.action.id}


async def test_reported_time_far_from_the_evidence_is_refused(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await new_resident(session)
        trip_start = NOW - dt.timedelta(hours=2)
        recorded = await actions_for(session, settings, registry).record_action(
            resident, "bus_trip", bus(trip_start), trip_start - dt.timedelta(days=3), "test:mismatch"
        )
        assert recorded.action.reasons == ["occurred_at_mismatch"]
