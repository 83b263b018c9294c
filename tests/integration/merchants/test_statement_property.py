"""Property: a statement reconciles, whatever the transfers and the period. The opening and closing balances
are summed by the database on their own, so ``opening + lines = closing`` checks that the lines and the two
balances cut the period at the same instants; the days' net and the running balance must agree too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from service.db.base import utcnow
from service.ledger.models import Transfer
from service.merchants import paycodes, vouchers
from service.merchants.statements import merchant_accounts, statement, yuan
from tests.integration.merchants.conftest import approved_offer, balance, funded_resident, new_merchant

# (what, coins, minutes ago): a charge of coins, a consumed voucher, or a refund of the latest charge.
moves = st.lists(
    st.tuples(st.sampled_from(["charge", "voucher", "refund"]), st.integers(1, 50), st.integers(0, 7 * 1440)),
    max_size=12,
)


@hyp_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=moves, first=st.integers(0, 7), length=st.integers(0, 7), rate=st.decimals("0", "2", places=3))
async def test_opening_plus_lines_is_closing(database, settings, moves, first, length, rate) -> None:  # type: ignore[no-untyped-def]
    zone = settings.zone
    today = utcnow().astimezone(zone).date()
    async with database.session() as session:
        merchant = await new_merchant(session)
        resident = await funded_resident(session, settings, 2000)
        offer = await approved_offer(session, merchant, price=9, stock=50, limit=50, hours=24 * 30)
        charges = []
        for n, (what, coins, minutes_ago) in enumerate(moves):
            before = await session.scalar(sa.select(sa.func.max(Transfer.id)))
            if what == "charge" or (what == "refund" and not charges):
                code = (await paycodes.issue_paycode(session, settings, resident, utcnow())).code
                row, _ = await paycodes.charge(session, settings, merchant, code, coins, f"p{n}", utcnow())
                charges.append(row.id)
            elif what == "voucher":
                voucher = await vouchers.claim(session, settings, resident, offer, utcnow())
                await vouchers.consume(session, settings, merchant, voucher.code, utcnow())
            else:
                await paycodes.refund(session, settings, merchant, charges.pop(), utcnow())
            # What this move wrote happened minutes_ago (a refund may so precede its charge: no matter here).
            await session.execute(
                sa.update(Transfer)
                .where(Transfer.id > (before or 0))
                .values(created_at=utcnow() - dt.timedelta(minutes=minutes_ago))
            )
        start = today - dt.timedelta(days=first)
        end = start + dt.timedelta(days=length)
        result = await statement(session, merchant, start, end, zone, rate)
        everything = await statement(session, merchant, today - dt.timedelta(days=30), today, zone, rate)
        held, _ = await balance(session, f"merchant:{merchant}")
        accounts = await merchant_accounts(session, merchant)
        await session.rollback()

    for made in (result, everything):
        assert made.opening_balance + sum(line.coins for line in made.lines) == made.closing_balance
        assert made.closing_balance - made.opening_balance == made.totals["net_coins"]
        assert [line.balance for line in made.lines][-1:] in ([], [made.closing_balance])
        assert all(
            start_ <= line.date <= end_ for line in made.lines for start_, end_ in [(made.start, made.end)]
        )
        assert made.as_json()["closing_yuan"] == str(yuan(made.closing_balance, rate))
    assert everything.opening_balance == 0
    assert everything.closing_balance == (held if accounts else 0)  # to today: the accounts' balance
    assert len(everything.lines) == sum(1 for what, _, _ in moves if what in ("charge", "voucher", "refund"))


def test_yuan_rounds_half_up_to_the_fen() -> None:
    assert yuan(1, Decimal("0.005")) == Decimal("0.01")
    assert yuan(-1, Decimal("0.005")) == Decimal("-0.01")
    assert yuan(3, Decimal("0.01")) == Decimal("0.03")
    assert yuan(7, Decimal("0.0333")) == Decimal("0.23")
    assert str(yuan(0, Decimal("0.01"))) == "0.00"
