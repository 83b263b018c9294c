"""Property: any sequence of claims, consumes, cancels, lapses and charges keeps the books and the stock.

After every step: ``ledger verify`` is green, stock_left = stock_total - consumed - outstanding, each
wallet's held coins are exactly its outstanding vouchers, and no wallet is below zero.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from service.db.base import utcnow
from service.errors import DomainError
from service.ledger.verify import verify_ledger
from service.merchants import paycodes, vouchers
from service.merchants.models import Voucher
from tests.integration.merchants.conftest import (
    approved_offer,
    balance,
    funded_resident,
    new_merchant,
    stock_left,
)

steps = st.lists(
    st.one_of(
        st.tuples(st.just("claim"), st.integers(0, 2), st.integers(0, 1)),
        st.tuples(st.just("claim"), st.integers(0, 2), st.integers(0, 1)),  # twice: claims drive the rest
        st.tuples(st.just("consume"), st.integers(0, 30), st.integers(0, 1)),
        st.tuples(st.just("cancel"), st.integers(0, 30), st.integers(0, 2)),
        st.tuples(st.just("charge"), st.integers(0, 2), st.integers(1, 40)),
        st.tuples(st.just("wait"), st.integers(1, 3), st.just(0)),
        st.tuples(st.just("lapse"), st.just(0), st.just(0)),
    ),
    max_size=25,
)


@hyp_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
async def test_any_interleaving_keeps_books_and_stock(database, settings, steps) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        merchant = await new_merchant(session)
        offers = [
            await approved_offer(session, merchant, price=p, stock=3, limit=2, hours=24 * 30) for p in (7, 12)
        ]
        residents = [await funded_resident(session, settings, 40, tag=f"p{n}") for n in range(3)]
        now, codes = utcnow(), []
        for n, (op, a, b) in enumerate(steps):
            try:
                async with session.begin_nested():
                    if op == "claim":
                        voucher = await vouchers.claim(session, settings, residents[a], offers[b], now)
                        codes.append(voucher)
                    elif op == "consume" and codes:
                        await vouchers.consume(session, settings, merchant, codes[a % len(codes)].code, now)
                    elif op == "cancel" and codes:
                        voucher = codes[a % len(codes)]
                        await vouchers.cancel(session, settings, voucher.resident_id, voucher.id, now)
                    elif op == "charge":
                        code = (await paycodes.issue_paycode(session, settings, residents[a], now)).code
                        await paycodes.charge(session, settings, merchant, code, b, f"p:{n}", now)
                    elif op == "wait":
                        now += dt.timedelta(days=3 * a)
                    elif op == "lapse":
                        await vouchers.lapse_expired(session, settings, now)
            except DomainError:
                pass  # refused: the savepoint rolled back, nothing may have changed
            await _check(session, offers, residents)
        event(f"vouchers made: {min(len(codes), 3)}+")
        await session.rollback()


async def _check(session, offers: list[int], residents: list[int]) -> None:  # type: ignore[no-untyped-def]
    report = await verify_ledger(session)
    assert report.ok, report.as_text()
    rows = (
        await session.execute(sa.select(Voucher.offer_id, Voucher.resident_id, Voucher.status, Voucher.price))
    ).all()
    for offer in offers:
        taken = sum(1 for o, _, s, _ in rows if o == offer and s in ("held", "consumed"))
        assert await stock_left(session, offer) == 3 - taken
    for resident in residents:
        held = sum(p for _, r, s, p in rows if r == resident and s == "held")
        wallet, wallet_held = await balance(session, f"wallet:{resident}")
        assert wallet_held == held
        assert wallet - wallet_held >= 0
