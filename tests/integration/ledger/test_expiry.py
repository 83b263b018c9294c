"""Expiry lots on both dialects: spent earliest-expiry first, unspendable once expired, and swept to the
expiry sink as ordinary transfers, once, leaving reserved coins until their hold is settled."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from service.errors import InsufficientFunds
from service.jobs.queue import InProcessQueue
from service.ledger import jobs
from service.ledger.models import Transfer
from service.ledger.service import TransferRequest
from service.ledger.verify import verify_ledger
from tests.integration.ledger.helpers import (
    Clock,
    balance_of,
    issue_one,
    ledger,
    lots,
    resident,
    snapshot,
    transfer_count,
)

MID_2025 = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)  # its lots expire at the end of 2026 (Shanghai)
MID_2026 = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)  # its lots expire at the end of 2027
EARLY_2027 = dt.datetime(2027, 1, 2, tzinfo=dt.UTC)  # the 2025 lots have expired, the 2026 ones not
FAR = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


async def _two_lots(session, settings, clock: Clock):  # type: ignore[no-untyped-def]
    """A wallet with a 2026 lot of 50 made FIRST (lower id) and a 2025 lot of 30 made after it."""
    book = ledger(session, settings, clock)
    rid = await resident(session)
    clock.now = MID_2026
    newer = await issue_one(book, rid, 50, "earned-2026")
    clock.now = MID_2025  # a late-recorded credit: earned earlier, so it expires earlier
    older = await issue_one(book, rid, 30, "earned-2025")
    clock.now = MID_2026
    wallet, shop = newer.credit_account_id, (await book.merchant_account(1)).id
    return book, older.id, newer.id, wallet, shop


async def test_lots_are_spent_earliest_expiry_first(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book, older, newer, wallet, shop = await _two_lots(session, settings, clock)
        await book.transfer(TransferRequest(wallet, shop, 20, "charge", "c:1"))
        assert await lots(session, wallet) == {newer: (50, 0), older: (10, 0)}
        await book.transfer(TransferRequest(wallet, shop, 25, "charge", "c:2"))  # 10 old + 15 new
        assert await lots(session, wallet) == {newer: (35, 0), older: (0, 0)}
        await book.hold(TransferRequest(wallet, shop, 5, "voucher", "h:1"), expires_at=FAR)
        assert await lots(session, wallet) == {newer: (35, 5), older: (0, 0)}
        assert (await verify_ledger(session)).ok


async def test_expired_coins_cannot_be_spent_even_if_the_balance_covers(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book, _, _, wallet, shop = await _two_lots(session, settings, clock)
        clock.now = EARLY_2027
        assert await balance_of(session, wallet) == (80, 0)
        before = await snapshot(session)
        for amount in (51, 80):
            with pytest.raises(InsufficientFunds) as refused:
                await book.transfer(TransferRequest(wallet, shop, amount, "charge", f"c:{amount}"))
            assert (refused.value.code, refused.value.status) == ("insufficient_funds", 409)
            with pytest.raises(InsufficientFunds):
                await book.hold(
                    TransferRequest(wallet, shop, amount, "voucher", f"h:{amount}"), expires_at=FAR
                )
        assert await snapshot(session) == before
        await book.transfer(TransferRequest(wallet, shop, 50, "charge", "c:50"))  # the unexpired lot
        assert await balance_of(session, wallet) == (30, 0)


async def test_expire_lots_moves_only_expired_remainders_once(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book, older, newer, wallet, shop = await _two_lots(session, settings, clock)
        await book.transfer(TransferRequest(wallet, shop, 12, "charge", "c:1"))  # the old lot keeps 18
        assert await book.expire_lots() == 0  # nothing has expired yet
        clock.now = EARLY_2027
        assert await book.expire_lots() == 18
        sink = (await book.expiry_account()).id
        expiry = (await session.scalars(sa.select(Transfer).where(Transfer.kind == "expiry"))).one()
        assert (expiry.debit_account_id, expiry.credit_account_id, expiry.amount) == (wallet, sink, 18)
        assert await lots(session, wallet) == {newer: (50, 0), older: (0, 0)}
        assert await balance_of(session, wallet) == (50, 0)
        assert await balance_of(session, sink) == (18, 0)
        after = await snapshot(session)
        assert await book.expire_lots() == 0
        assert await snapshot(session) == after
        report = await verify_ledger(session)
        assert report.ok, report.as_text()


async def test_held_coins_stay_in_an_expired_lot_until_the_hold_is_voided(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book, older, newer, wallet, shop = await _two_lots(session, settings, clock)
        await book.transfer(TransferRequest(wallet, shop, 20, "charge", "c:1"))  # old lot: 10 left
        hold = await book.hold(TransferRequest(wallet, shop, 4, "voucher", "h:1"), expires_at=FAR)
        clock.now = EARLY_2027
        assert await book.expire_lots() == 6
        assert await lots(session, wallet) == {newer: (50, 0), older: (4, 4)}
        assert await book.expire_lots() == 0
        assert await balance_of(session, wallet) == (54, 4)
        await book.void(hold.id)
        assert await lots(session, wallet) == {newer: (50, 0), older: (4, 0)}
        with pytest.raises(InsufficientFunds):  # released, but expired: still not spendable
            await book.transfer(TransferRequest(wallet, shop, 51, "charge", "c:2"))
        assert await book.expire_lots() == 4
        assert await book.expire_lots() == 0
        assert await balance_of(session, wallet) == (50, 0)
        assert await balance_of(session, (await book.expiry_account()).id) == (10, 0)
        assert await transfer_count(session, kind="expiry") == 2
        assert (await verify_ledger(session)).ok


async def test_a_hold_posted_after_its_lot_expired_pays_the_merchant_not_the_sink(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book, older, newer, wallet, shop = await _two_lots(session, settings, clock)
        hold = await book.hold(TransferRequest(wallet, shop, 30, "voucher", "h:1"), expires_at=FAR)
        clock.now = EARLY_2027
        assert await book.expire_lots() == 0  # every coin of the old lot is reserved
        await book.post(hold.id)
        assert await lots(session, wallet) == {newer: (50, 0), older: (0, 0)}
        assert await balance_of(session, shop) == (30, 0)
        assert await book.expire_lots() == 0
        assert (await verify_ledger(session)).ok


async def test_coins_refunded_into_an_expired_lot_are_swept_again(database, settings) -> None:  # type: ignore[no-untyped-def]
    # The sweep's key once was (lot, remaining): a refund that brought the lot back to a remainder it had
    # before made the next sweep a "replay" that moved nothing, so the coins stayed, unspendable, forever.
    clock = Clock()
    async with database.session() as session:
        book, older, _, wallet, shop = await _two_lots(session, settings, clock)
        charge = await book.transfer(TransferRequest(wallet, shop, 15, "charge", "c:1"))  # old lot: 15 left
        clock.now = EARLY_2027
        assert await book.expire_lots() == 15
        await book.reverse(charge.id)
        assert (await lots(session, wallet))[older] == (15, 0)
        assert await book.expire_lots() == 15
        assert (await lots(session, wallet))[older] == (0, 0)
        assert await balance_of(session, wallet) == (50, 0)
        assert (await verify_ledger(session)).ok


async def test_one_odd_lot_does_not_block_the_sweep(database, settings) -> None:  # type: ignore[no-untyped-def]
    # Old lot 30: two charges leave 15, a hold reserves 5, the sweep moves 10 at remainder 15. After the
    # void and a 10-coin refund the lot is at remainder 15 again, now with 15 to move.
    clock = Clock()
    async with database.session() as session:
        book, older, _, wallet, shop = await _two_lots(session, settings, clock)
        refunded = await book.transfer(TransferRequest(wallet, shop, 10, "charge", "c:1"))
        await book.transfer(TransferRequest(wallet, shop, 5, "charge", "c:2"))
        hold = await book.hold(TransferRequest(wallet, shop, 5, "voucher", "h:1"), expires_at=FAR)
        clock.now = EARLY_2027
        assert await book.expire_lots() == 10
        await book.void(hold.id)
        await book.reverse(refunded.id)
        assert (await lots(session, wallet))[older] == (15, 0)
        assert await book.expire_lots() == 15
        assert await book.expire_lots() == 0
        assert (await verify_ledger(session)).ok


async def test_the_expiry_job_sweeps_every_wallet_once(database, settings) -> None:  # type: ignore[no-untyped-def]
    # The job reads the real clock: lots earned in 2020 expired at the end of 2021.
    clock = Clock(dt.datetime(2020, 5, 1, tzinfo=dt.UTC))
    async with database.session() as session:
        book = ledger(session, settings, clock)
        wallets = []
        for n in range(3):
            credit = await issue_one(book, await resident(session, f"1370000100{n}"), 10 + n, f"k:{n}")
            wallets.append(credit.credit_account_id)
        clock.now = dt.datetime.now(dt.UTC)
        fresh = await issue_one(book, await resident(session, "13700001009"), 7, "fresh")
    ctx = {"settings": settings, "database": database, "queue": InProcessQueue({}, {})}
    assert await jobs.expire_lots(ctx) == 10 + 11 + 12
    assert await jobs.expire_lots(ctx) == 0
    async with database.session() as session:
        assert [await balance_of(session, w) for w in wallets] == [(0, 0)] * 3
        assert await balance_of(session, fresh.credit_account_id) == (7, 0)
        assert await transfer_count(session, kind="expiry") == 3
        assert (await verify_ledger(session)).ok
