"""Sub-coin grams carry over from one credit to the next: no resident loses grams below one coin."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from service.actions.carry import MICRO, carry_chain, carry_key, coins_and_remainder
from service.actions.models import Action, CapCounter
from service.actions.replay import Replayer
from service.ledger.models import Account
from service.ledger.verify import verify_ledger
from tests.integration.actions.conftest import NOW, actions_for, bus, new_resident


@given(
    grams=st.lists(st.integers(min_value=0, max_value=5_000), max_size=40),
    per_coin=st.integers(min_value=1, max_value=1_000),
)
def test_a_chain_of_credits_loses_no_gram(grams: list[int], per_coin: int) -> None:
    carried, coins = 0, 0
    for amount in grams:
        bought, carried = coins_and_remainder(carried, amount, per_coin)
        assert bought >= 0
        assert 0 <= carried < per_coin
        coins += bought
    assert (coins, carried) == divmod(sum(grams), per_coin)


async def _trips(session, settings, registry, resident: int, metres: list[int]) -> list[Action]:  # type: ignore[no-untyped-def]
    service = actions_for(session, settings, registry)
    stored = []
    for n, distance in enumerate(metres):
        start = NOW - dt.timedelta(hours=10) + dt.timedelta(minutes=40 * n)
        recorded = await service.record_action(
            resident, "bus_trip", bus(start, metres=distance), None, f"carry:{resident}:{n}"
        )
        stored.append(recorded.action)
    return stored


async def test_coins_follow_the_running_total_of_grams(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await new_resident(session, "13900000901")
        actions = await _trips(session, settings, registry, resident, [5_000, 3_300, 4_100, 2_500])
        per_coin = settings.ledger.grams_per_coin
        total = 0
        for action in actions:
            assert action.status == "accepted", action.reasons
            before = total
            total += action.grams
            # Each credit buys the coins the running total crossed, whatever each action's own grams.
            assert action.coins == total // per_coin - before // per_coin
            assert action.context["carried_grams"] == before % per_coin
            assert action.remainder_grams == total % per_coin
        wallet = await session.scalar(sa.select(Account.balance).where(Account.code == f"wallet:{resident}"))
        assert wallet == total // per_coin > sum(a.grams // per_coin for a in actions)
        running = await session.scalar(
            sa.select(CapCounter.used_micro).where(CapCounter.key == carry_key(resident))
        )
        assert running == (total % per_coin) * MICRO
        assert (await verify_ledger(session, carry_chain)).ok
        # A replay recomputes the same coins from the carry stored with each action.
        replayer = Replayer(session, settings, registry)
        assert [(await replayer.recompute(a)).differences for a in actions] == [[]] * len(actions)


async def test_a_rejected_action_neither_uses_nor_changes_the_carry(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await new_resident(session, "13900000902")
        first, again = await _trips(session, settings, registry, resident, [5_000, 5_000])
        overlapping = await actions_for(session, settings, registry).record_action(
            resident, "bus_trip", bus(NOW - dt.timedelta(hours=10), metres=5_000), None, "carry:overlap"
        )
        assert overlapping.action.status == "rejected"
        assert (overlapping.action.coins, overlapping.action.remainder_grams) == (0, 0)
        assert "carried_grams" not in overlapping.action.context
        service = actions_for(session, settings, registry)
        later = await service.record_action(
            resident, "bus_trip", bus(NOW - dt.timedelta(hours=2), metres=5_000), None, "carry:later"
        )
        assert again.context["carried_grams"] == first.remainder_grams
        # The next accepted action carries what the last accepted one left, as if the rejection never was.
        assert later.action.context["carried_grams"] == again.remainder_grams
        assert (await verify_ledger(session, carry_chain)).ok


@pytest.mark.tampers_with_actions
async def test_ledger_verify_finds_a_broken_chain(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await new_resident(session, "13900000903")
        actions = await _trips(session, settings, registry, resident, [5_000, 5_000, 5_000])
        assert (await verify_ledger(session, carry_chain)).ok
        # The middle action claims to have carried in nothing: its coins no longer add up.
        middle = actions[1]
        await session.execute(
            sa.update(Action)
            .where(Action.id == middle.id)
            .values(context={**middle.context, "carried_grams": 0})
        )
        report = await verify_ledger(session, carry_chain)
        failed = {c.name: c.mismatches for c in report.checks if not c.ok}
        assert list(failed) == ["grams_carry_over"]
        assert any(f"action {middle.id}" in m for m in failed["grams_carry_over"])
        await session.rollback()

    async with database.session() as session:
        resident = await new_resident(session, "13900000904")
        await _trips(session, settings, registry, resident, [5_000, 5_000])
        await session.execute(
            sa.update(CapCounter).where(CapCounter.key == carry_key(resident)).values(used_micro=9 * MICRO)
        )
        report = await verify_ledger(session, carry_chain)
        (check,) = [c for c in report.checks if not c.ok]
        assert check.mismatches == [f"resident {resident}: running carry 9 g, the last action left 8 g"]
        await session.rollback()
