"""Redemption races on PostgreSQL, each racer on its own connection and transaction: no oversell, no
double spend, every coin and every unit of stock returned exactly once."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
import sqlalchemy as sa

from service.db.base import utcnow
from service.errors import DomainError
from service.ledger.verify import verify_ledger
from service.merchants import paycodes, vouchers
from service.merchants.models import Charge, Voucher
from tests.conftest import make_settings
from tests.integration.merchants.conftest import (
    approved_offer,
    balance,
    funded_resident,
    new_merchant,
    stock_left,
)


@pytest.fixture
def pg_settings(tmp_path, pg_url):  # type: ignore[no-untyped-def]
    return make_settings(tmp_path, pg_url)


async def _attempt(db, action) -> str:  # type: ignore[no-untyped-def]
    """Run ``action(session)`` in its own transaction: "ok", or the refusal's code.

    The session starts with no transaction, as a request's does, so claims and charges take the
    production path: one autocommitted call of the database function.
    """
    async with db.sessions() as session:
        try:
            await action(session)
        except DomainError as refused:
            await session.rollback()
            return refused.code
        await session.commit()
        return "ok"


async def test_200_claims_on_stock_50_make_exactly_50_vouchers(pg_committed, pg_settings) -> None:  # type: ignore[no-untyped-def]
    async with pg_committed.session() as session:
        merchant = await new_merchant(session)
        offer = await approved_offer(session, merchant, price=10, stock=50)
        residents = [await funded_resident(session, pg_settings, 15, tag=f"c{n}") for n in range(200)]
        await session.commit()

    async def claim(resident: int) -> str:
        return await _attempt(
            pg_committed, lambda s: vouchers.claim(s, pg_settings, resident, offer, utcnow())
        )

    outcomes = await asyncio.gather(*(claim(r) for r in residents))
    assert outcomes.count("ok") == 50
    assert set(outcomes) == {"ok", "sold_out"}
    async with pg_committed.session() as session:
        assert await stock_left(session, offer) == 0
        assert await session.scalar(sa.select(sa.func.count()).select_from(Voucher)) == 50
        held = [await balance(session, f"wallet:{r}") for r in residents]
        assert sum(h for _, h in held) == 500
        assert all(b - h >= 0 for b, h in held)
        assert (await verify_ledger(session)).ok


async def test_100_charges_against_a_wallet_that_affords_10(pg_committed, pg_settings) -> None:  # type: ignore[no-untyped-def]
    async with pg_committed.session() as session:
        merchant = await new_merchant(session)
        resident = await funded_resident(session, pg_settings, 100)
        codes = [
            (await paycodes.issue_paycode(session, pg_settings, resident, utcnow())).code for _ in range(100)
        ]
        await session.commit()

    async def pay(n: int) -> str:
        return await _attempt(
            pg_committed,
            lambda s: paycodes.charge(s, pg_settings, merchant, codes[n], 10, f"race:{n}", utcnow()),
        )

    outcomes = await asyncio.gather(*(pay(n) for n in range(100)))
    assert outcomes.count("ok") == 10
    assert set(outcomes) == {"ok", "insufficient_funds"}
    async with pg_committed.session() as session:
        assert await balance(session, f"wallet:{resident}") == (0, 0)
        assert await balance(session, f"merchant:{merchant}") == (100, 0)
        assert (await verify_ledger(session)).ok


async def test_one_paycode_used_twice_at_once_charges_once(pg_committed, pg_settings) -> None:  # type: ignore[no-untyped-def]
    async with pg_committed.session() as session:
        merchant, other = await new_merchant(session, "A"), await new_merchant(session, "B")
        resident = await funded_resident(session, pg_settings, 100)
        code = (await paycodes.issue_paycode(session, pg_settings, resident, utcnow())).code
        await session.commit()

    async def pay(n: int) -> str:
        till = merchant if n % 2 else other
        return await _attempt(
            pg_committed, lambda s: paycodes.charge(s, pg_settings, till, code, 7, f"twice:{n}", utcnow())
        )

    outcomes = await asyncio.gather(*(pay(n) for n in range(20)))
    assert outcomes.count("ok") == 1
    assert set(outcomes) == {"ok", "paycode_used"}
    async with pg_committed.session() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Charge)) == 1
        assert await balance(session, f"wallet:{resident}") == (93, 0)


async def test_one_merchant_key_for_many_customers_at_once_is_one_charge(pg_committed, pg_settings) -> None:  # type: ignore[no-untyped-def]
    """Charges are unique per (merchant, key, resident) since the Citus keys (migration 0024); a key reused
    for other customers' pay-codes is still one charge: the rest are refused and pay nothing."""
    async with pg_committed.session() as session:
        merchant = await new_merchant(session)
        residents = [await funded_resident(session, pg_settings, 100) for _ in range(8)]
        codes = [(await paycodes.issue_paycode(session, pg_settings, r, utcnow())).code for r in residents]
        await session.commit()
    outcomes = await asyncio.gather(
        *(
            _attempt(
                pg_committed,
                lambda s, code=code: paycodes.charge(s, pg_settings, merchant, code, 9, "one-key", utcnow()),
            )
            for code in codes
        )
    )
    assert sorted(outcomes) == ["idempotency_conflict"] * 7 + ["ok"]
    async with pg_committed.session() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Charge)) == 1
        paid = [await balance(session, f"wallet:{r}") for r in residents]
        assert sorted(paid) == [(91, 0)] + [(100, 0)] * 7


async def test_one_key_retried_at_once_is_one_charge(pg_committed, pg_settings) -> None:  # type: ignore[no-untyped-def]
    async with pg_committed.session() as session:
        merchant = await new_merchant(session)
        resident = await funded_resident(session, pg_settings, 100)
        code = (await paycodes.issue_paycode(session, pg_settings, resident, utcnow())).code
        await session.commit()
    outcomes = await asyncio.gather(
        *(
            _attempt(
                pg_committed,
                lambda s: paycodes.charge(s, pg_settings, merchant, code, 9, "same-key", utcnow()),
            )
            for _ in range(20)
        )
    )
    assert outcomes == ["ok"] * 20
    async with pg_committed.session() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Charge)) == 1
        assert await balance(session, f"wallet:{resident}") == (91, 0)


async def test_lapse_and_cancel_racing_return_coins_and_stock_once(pg_committed, pg_settings) -> None:  # type: ignore[no-untyped-def]
    async with pg_committed.session() as session:
        merchant = await new_merchant(session)
        offer = await approved_offer(session, merchant, price=10, stock=20)
        residents = [await funded_resident(session, pg_settings, 10, tag=f"l{n}") for n in range(20)]
        await session.commit()
    claimed = []
    for resident in residents:
        async with pg_committed.session() as session:
            claimed.append((await vouchers.claim(session, pg_settings, resident, offer, utcnow())).id)
            await session.commit()
    later = utcnow() + dt.timedelta(days=30)

    async def cancel(n: int) -> str:
        return await _attempt(
            pg_committed, lambda s: vouchers.cancel(s, pg_settings, residents[n], claimed[n], later)
        )

    async def lapse() -> str:
        return await _attempt(pg_committed, lambda s: vouchers.lapse_expired(s, pg_settings, later, limit=5))

    outcomes = await asyncio.gather(*(cancel(n) for n in range(20)), *(lapse() for _ in range(6)))
    assert set(outcomes) <= {"ok", "voucher_lapsed", "voucher_cancelled"}
    async with pg_committed.session() as session:
        assert await stock_left(session, offer) == 20
        for resident in residents:
            assert await balance(session, f"wallet:{resident}") == (10, 0)
        statuses = set((await session.scalars(sa.select(Voucher.status))).all())
        assert statuses <= {"cancelled", "lapsed"}
        assert (await verify_ledger(session)).ok
