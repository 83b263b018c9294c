"""The redemption rules exist twice: the Python ledger, and the PostgreSQL functions of migration 0007 that
run claims and charges on PostgreSQL. Any sequence of claims, charges, consumes, cancels, lapses and
refunds gives the same answers (status, code, detail, body) and writes the same rows through both
(issue 13). ``redeem.database_functions = False`` forces the Python path on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from service.db.base import utcnow
from service.errors import DomainError
from service.ledger.models import Account, Lot, Transfer
from service.merchants import paycodes, vouchers
from service.merchants.models import Charge, Offer, Voucher
from tests.conftest import make_settings
from tests.integration.merchants.conftest import approved_offer, funded_resident, new_merchant

steps = st.lists(
    st.one_of(
        st.tuples(st.just("claim"), st.integers(0, 2), st.integers(0, 2)),
        st.tuples(st.just("claim"), st.integers(0, 2), st.integers(0, 2)),
        st.tuples(st.just("consume"), st.integers(0, 30), st.integers(0, 1)),
        st.tuples(st.just("cancel"), st.integers(0, 30), st.integers(0, 2)),
        st.tuples(st.just("charge"), st.integers(0, 2), st.integers(1, 45)),
        st.tuples(st.just("recharge"), st.integers(0, 30), st.integers(0, 1)),
        st.tuples(st.just("refund"), st.integers(0, 30), st.just(0)),
        st.tuples(st.just("wait"), st.integers(1, 3), st.just(0)),
        st.tuples(st.just("lapse"), st.just(0), st.just(0)),
    ),
    max_size=24,
)


@pytest.fixture
def both(tmp_path, pg_url):  # type: ignore[no-untyped-def]
    functions = make_settings(tmp_path, pg_url)
    python = functions.model_copy(
        update={"redeem": functions.redeem.model_copy(update={"database_functions": False})}
    )
    return functions, python


@hyp_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
async def test_both_redemption_paths_answer_and_write_the_same(pg_database, both, steps) -> None:  # type: ignore[no-untyped-def]
    functions, python = both
    async with pg_database.session() as session:
        merchant = await new_merchant(session)
        offers = [
            await approved_offer(session, merchant, price=p, stock=s, limit=2, hours=24 * 30)
            for p, s in ((7, 3), (12, 2))
        ]
        offers.append(await approved_offer(session, merchant, price=5, stock=0))  # sold out
        residents = [
            await funded_resident(session, functions, c, tag=f"t{n}") for n, c in enumerate((40, 15, 0))
        ]
        world = (merchant, offers, residents)
        results, start = [], utcnow()  # one clock for both runs
        for app_settings in (functions, python):
            attempt = await session.begin_nested()
            answers = await _run(session, app_settings, world, steps, start)
            results.append((answers, await _rows(session, world)))
            await attempt.rollback()
        (fast_answers, fast_rows), (slow_answers, slow_rows) = results
        for n, (a, b) in enumerate(zip(fast_answers, slow_answers, strict=True)):
            assert a == b, (n, steps[n], a, b)
        assert fast_rows == slow_rows
        await session.rollback()


async def _run(session, settings, world, steps, now) -> list[Any]:  # type: ignore[no-untyped-def]
    claimed: list[Any] = []
    charged: list[Any] = []
    answers: list[Any] = []
    for n, (op, a, b) in enumerate(steps):
        try:
            async with session.begin_nested():
                answers.append(await _step(session, settings, world, op, a, b, n, now, claimed, charged))
        except DomainError as refused:
            answers.append(("refused", refused.status, refused.code, refused.detail, refused.extra))
        if op == "wait":
            now += dt.timedelta(days=3 * a)
    return answers


async def _step(session, settings, world, op, a, b, n, now, claimed, charged) -> Any:  # type: ignore[no-untyped-def]
    merchant, offers, residents = world
    if op == "claim":
        voucher = await vouchers.claim(session, settings, residents[a], offers[b], now)
        claimed.append(voucher)
        return (
            "voucher",
            offers.index(voucher.offer_id),
            residents.index(voucher.resident_id),
            voucher.price,
            voucher.status,
            voucher.expires_at,
        )
    if op == "consume" and claimed:
        voucher, transfer = await vouchers.consume(
            session, settings, merchant, claimed[a % len(claimed)].code, now
        )
        return ("consumed", voucher.status, transfer.amount, transfer.kind)
    if op == "cancel" and claimed:
        voucher = claimed[a % len(claimed)]
        cancelled = await vouchers.cancel(session, settings, voucher.resident_id, voucher.id, now)
        return ("cancelled", cancelled.status)
    if op == "charge":
        code = (await paycodes.issue_paycode(session, settings, residents[a], now)).code
        row, created = await paycodes.charge(session, settings, merchant, code, b, f"k:{n}", now)
        charged.append((code, b, f"k:{n}", row.id))
        return ("charge", row.amount, created)
    if op == "recharge" and charged:  # the same key again: a retry, or (other amount) a conflict
        code, amount, key, _ = charged[a % len(charged)]
        row, created = await paycodes.charge(session, settings, merchant, code, amount + b, key, now)
        return ("charge", row.amount, created)
    if op == "refund" and charged:
        await paycodes.refund(session, settings, merchant, charged[a % len(charged)][3], now)
        return ("refunded",)
    if op == "lapse":
        return ("lapsed", await vouchers.lapse_expired(session, settings, now))
    return ("skipped",)


async def _rows(session, world) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """What both paths wrote, without the ids and random codes that differ between runs."""
    merchant, offers, residents = world
    wallets = {
        owner: (balance, held)
        for owner, balance, held in await session.execute(
            sa.select(Account.owner_id, Account.balance, Account.held).where(Account.kind == "wallet")
        )
    }
    tills = await session.execute(
        sa.select(sa.func.sum(Account.balance), sa.func.sum(Account.held)).where(
            Account.kind == "merchant", Account.owner_id == merchant
        )
    )
    stock = dict(
        (await session.execute(sa.select(Offer.id, Offer.stock_left).where(Offer.id.in_(offers)))).all()
    )
    voucher_rows = (
        await session.execute(
            sa.select(
                Voucher.offer_id, Voucher.resident_id, Voucher.status, Voucher.price, Voucher.expires_at
            ).order_by(Voucher.id)
        )
    ).all()
    charge_rows = (
        await session.execute(
            sa.select(Charge.resident_id, Charge.amount, Charge.idempotency_key).order_by(Charge.id)
        )
    ).all()
    transfers = (
        await session.execute(
            sa.select(Transfer.kind, Transfer.amount).order_by(Transfer.id).where(Transfer.kind != "credit")
        )
    ).all()
    lots = (
        await session.execute(
            sa.select(Lot.account_id, Lot.remaining, Lot.held).order_by(Lot.account_id, Lot.id)
        )
    ).all()
    return {
        "wallets": [wallets.get(r) for r in residents],
        "tills": tuple(tills.one()),
        "stock": [stock[o] for o in offers],
        "vouchers": [(offers.index(o), residents.index(r), s, p, e) for o, r, s, p, e in voucher_rows],
        "charges": [(residents.index(r), a, k) for r, a, k in charge_rows],
        "transfers": [tuple(t) for t in transfers],
        "lots": [tuple(lot[1:]) for lot in lots],
    }
