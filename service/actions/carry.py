"""Sub-coin grams carry over: no resident loses the grams below one coin.

An action's coins are ``floor((carried + grams) / grams_per_coin)``, where ``carried`` is what the
resident's earlier accepted actions left under one coin; what this one leaves is its ``remainder_grams`` and
the next one's ``carried``. The running carry lives in the cap-counter table under ``carry:r<resident>``
(in millionths, like every counter there), so both credit paths read and advance it the way they read and
advance cap usage, under the lock of the same key. ``carried`` is stored in the action's context (a fact
the coins were computed from), so a replay recomputes the coins exactly, and ``tanbi ledger verify`` walks
each resident's chain (service/actions/carry_check.py). A reversal takes back an action's coins, not its
place in the chain: the carry goes on from where it was.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.models import Action, ActionStatus, CapCounter
from service.ledger.verify import Check, record

MICRO = 1_000_000


def carry_key(resident_id: int) -> str:
    return f"carry:r{resident_id}"


def coins_and_remainder(carried: int, grams: int, grams_per_coin: int) -> tuple[int, int]:
    return divmod(carried + grams, grams_per_coin)


async def carry_chain(session: AsyncSession) -> Check:
    """``tanbi ledger verify``'s check of the carry: every accepted action's coins and remainder add up to
    what it carried in plus its grams, it carried in what the resident's previous accepted action left
    (actions from before the carry existed have no ``carried_grams`` and start a chain), and each
    resident's running carry is what their last action left."""
    check = Check("grams_carry_over", "every resident's sub-coin grams carry from one credit to the next")
    carried = Action.context["carried_grams"].as_integer()
    chain = (
        sa.select(
            Action.id,
            Action.resident_id,
            Action.grams,
            Action.coins,
            Action.remainder_grams,
            Action.grams_per_coin,
            carried.label("carried"),
            sa.func.lag(Action.remainder_grams)
            .over(partition_by=Action.resident_id, order_by=Action.id)
            .label("left_before"),
            sa.func.lag(carried).over(partition_by=Action.resident_id, order_by=Action.id).label("chained"),
            sa.func.row_number()
            .over(partition_by=Action.resident_id, order_by=Action.id.desc())
            .label("from_last"),
        )
        .where(Action.status == ActionStatus.ACCEPTED)
        .subquery()
    )
    rows = await session.execute(sa.select(chain).where(chain.c.carried.is_not(None)).order_by(chain.c.id))
    last: dict[int, int] = {}
    for action_id, resident, grams, coins, remainder, per_coin, into, before, chained, from_last in rows:
        if coins * per_coin + remainder != into + grams or not 0 <= remainder < per_coin:
            record(check, f"action {action_id}: {coins} coins + {remainder} g is not {into} + {grams} g")
        expected = before if chained is not None else 0
        if into != expected:
            record(check, f"action {action_id} carried in {into} g; the previous one left {expected} g")
        if from_last == 1:
            last[resident] = remainder
    counters = await session.execute(
        sa.select(CapCounter.key, CapCounter.used_micro).where(CapCounter.key.startswith("carry:r"))
    )
    stored = {int(key.removeprefix("carry:r")): used // MICRO for key, used in counters}
    for resident in sorted(set(last) | set(stored)):
        if stored.get(resident, 0) != last.get(resident, 0):
            record(
                check,
                f"resident {resident}: running carry {stored.get(resident, 0)} g, "
                f"the last action left {last.get(resident, 0)} g",
            )
    return check
