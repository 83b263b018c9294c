"""Property: any sequence of benefit claims, consumes, cancels and lapses, by eligible and ineligible
residents, keeps the books and the stock, on both databases (PostgreSQL claims through the database
function, SQLite through the Python ledger).

After every step: ``ledger verify`` is green; stock_left = stock_total - consumed - outstanding; each
wallet's held coins are exactly its outstanding paid vouchers; a free voucher holds nothing; no resident
holds a voucher of a benefit they are not eligible for.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from service.benefits import service as benefits
from service.db.base import utcnow
from service.errors import DomainError
from service.ledger.verify import verify_ledger
from service.merchants import vouchers
from service.merchants.models import Voucher
from tests.integration.benefits.conftest import DAYS
from tests.integration.city.conftest import trips
from tests.integration.merchants.conftest import balance, funded_resident, stock_left

STOCK = 3
# (price, rules): free to riders; paid to anyone; paid to anyone with some grams (riders only here).
BENEFITS = ((0, {"family": "public_transport"}), (7, {}), (5, {"min_lifetime_grams": 1}))

steps = st.lists(
    st.one_of(
        st.tuples(st.just("claim"), st.integers(0, 2), st.integers(0, 2)),
        st.tuples(st.just("claim"), st.integers(0, 2), st.integers(0, 2)),  # twice: claims drive the rest
        st.tuples(st.just("consume"), st.integers(0, 30), st.just(0)),
        st.tuples(st.just("cancel"), st.integers(0, 30), st.just(0)),
        st.tuples(st.just("wait"), st.integers(1, 3), st.just(0)),
        st.tuples(st.just("lapse"), st.just(0), st.just(0)),
    ),
    max_size=20,
)


@hyp_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
async def test_any_interleaving_keeps_books_stock_and_eligibility(
    database, settings, registry, steps
) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        now = utcnow()
        offers = [await _benefit(session, price, rules, now) for price, rules in BENEFITS]
        venue = (await benefits.city_merchant(session)).id
        rider = await trips(session, settings, registry, None, DAYS[:1])
        residents = [rider, *[await funded_resident(session, settings, 20, tag=f"q{n}") for n in range(2)]]
        made: list[Voucher] = []
        for op, a, b in steps:
            try:
                async with session.begin_nested():
                    if op == "claim":
                        made.append(await benefits.claim(session, settings, residents[a], offers[b], now))
                    elif op == "consume" and made:
                        await vouchers.consume(session, settings, venue, made[a % len(made)].code, now)
                    elif op == "cancel" and made:
                        voucher = made[a % len(made)]
                        await vouchers.cancel(session, settings, voucher.resident_id, voucher.id, now)
                    elif op == "wait":
                        now += dt.timedelta(days=3 * a)
                    elif op == "lapse":
                        await vouchers.lapse_expired(session, settings, now)
            except DomainError:
                pass  # refused: the savepoint rolled back, nothing may have changed
            await _check(session, offers, residents, rider)
        await session.rollback()


async def _benefit(session, price: int, rules: dict[str, object], now: dt.datetime) -> int:  # type: ignore[no-untyped-def]
    fields = {
        "title": "票",
        "price": price,
        "stock_total": STOCK,
        "per_resident_limit": 2,
        "valid_from": now - dt.timedelta(hours=1),
        "valid_until": now + dt.timedelta(days=30),
        **rules,
    }
    return (await benefits.create_benefit(session, fields, "city:test", now)).id


async def _check(session, offers: list[int], residents: list[int], rider: int) -> None:  # type: ignore[no-untyped-def]
    report = await verify_ledger(session)
    assert report.ok, report.as_text()
    rows = (
        await session.execute(
            sa.select(Voucher.offer_id, Voucher.resident_id, Voucher.status, Voucher.price, Voucher.hold_id)
        )
    ).all()
    for offer in offers:
        taken = sum(1 for o, _, s, _, _ in rows if o == offer and s in ("held", "consumed"))
        assert await stock_left(session, offer) == STOCK - taken
    for resident in residents:
        held = sum(p for _, r, s, p, _ in rows if r == resident and s == "held")
        wallet, wallet_held = await balance(session, f"wallet:{resident}")
        assert wallet_held == held
        assert wallet - wallet_held >= 0
    assert all(hold is None for _, _, _, price, hold in rows if price == 0)
    only_riders = {offers[0], offers[2]}
    assert all(r == rider for o, r, _, _, _ in rows if o in only_riders)
