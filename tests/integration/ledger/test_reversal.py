"""Reversals on both dialects: the mirror transfer, once; the coins go back to (and come from) the lots
they belong to; reversals are not reversible; a wallet that spent the coins cannot be reversed."""

from __future__ import annotations

import datetime as dt

import pytest

from service.errors import InsufficientFunds, Invalid
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

MID_2025 = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)  # lots expire at the end of 2026 (Shanghai)
MID_2026 = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)  # lots expire at the end of 2027
FAR = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


async def _three_lots(session, settings, clock: Clock):  # type: ignore[no-untyped-def]
    """Credits of 30 (2025), 50 and 20 (2026) to one wallet; returns the book, the credits and accounts."""
    book = ledger(session, settings, clock)
    rid = await resident(session)
    clock.now = MID_2025
    a = await issue_one(book, rid, 30, "a")
    clock.now = MID_2026
    b = await issue_one(book, rid, 50, "b")
    c = await issue_one(book, rid, 20, "c")
    return book, (a, b, c), a.credit_account_id, (await book.merchant_account(1)).id


async def test_reversing_a_credit_takes_the_coins_from_its_own_lot_first(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book, (a, b, c), wallet, _ = await _three_lots(session, settings, clock)
        reversal = await book.reverse(c.id, reference="issued by mistake")
        assert (reversal.debit_account_id, reversal.credit_account_id) == (wallet, c.debit_account_id)
        assert (reversal.amount, reversal.kind, reversal.reverses_id) == (20, "reversal", c.id)
        assert reversal.reference == "issued by mistake"
        # Earliest-expiry-first would have taken lot a; the reversal empties the credit's own lot.
        assert await lots(session, wallet) == {a.id: (30, 0), b.id: (50, 0), c.id: (0, 0)}
        assert await balance_of(session, wallet) == (80, 0)
        assert (await verify_ledger(session)).ok


async def test_a_partly_spent_credit_is_reversed_from_its_lot_then_the_earliest(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book, (a, b, c), wallet, shop = await _three_lots(session, settings, clock)
        await book.transfer(TransferRequest(wallet, shop, 40, "charge", "c:1"))  # a -> 0, b -> 40
        await book.reverse(b.id)  # 40 from b, then 10 from c (a is empty)
        assert await lots(session, wallet) == {a.id: (0, 0), b.id: (0, 0), c.id: (10, 0)}
        assert await balance_of(session, wallet) == (10, 0)
        assert (await verify_ledger(session)).ok


async def test_reversing_a_charge_restores_the_lots_it_came_from(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book, (a, b, c), wallet, shop = await _three_lots(session, settings, clock)
        before = await lots(session, wallet)
        charge = await book.transfer(TransferRequest(wallet, shop, 45, "charge", "c:1"))  # a 30 + b 15
        await book.transfer(TransferRequest(wallet, shop, 5, "charge", "c:2"))  # b 5 more
        assert await lots(session, wallet) == {a.id: (0, 0), b.id: (30, 0), c.id: (20, 0)}
        refund = await book.reverse(charge.id)
        assert await lots(session, wallet) == {**before, b.id: (45, 0)}
        assert await balance_of(session, wallet) == (95, 0)
        assert await balance_of(session, shop) == (5, 0)
        after = await snapshot(session)
        assert (await book.reverse(charge.id)).id == refund.id  # twice: the same reversal, no move
        assert await snapshot(session) == after
        assert await transfer_count(session, kind="reversal") == 1
        assert (await verify_ledger(session)).ok


async def test_reversing_a_posted_hold_restores_its_lots(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book, (a, b, c), wallet, shop = await _three_lots(session, settings, clock)
        hold = await book.hold(TransferRequest(wallet, shop, 35, "voucher", "h:1"), expires_at=FAR)
        posted = await book.post(hold.id)
        assert await lots(session, wallet) == {a.id: (0, 0), b.id: (45, 0), c.id: (20, 0)}
        await book.reverse(posted.id)
        assert await lots(session, wallet) == {a.id: (30, 0), b.id: (50, 0), c.id: (20, 0)}
        assert await balance_of(session, shop) == (0, 0)
        assert (await verify_ledger(session)).ok


async def test_a_reversal_cannot_be_reversed(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book, (_, _, c), _, _ = await _three_lots(session, settings, Clock())
        reversal = await book.reverse(c.id)
        before = await snapshot(session)
        with pytest.raises(Invalid) as refused:
            await book.reverse(reversal.id)
        assert (refused.value.code, refused.value.status) == ("cannot_reverse_reversal", 422)
        assert await snapshot(session) == before


async def test_a_credit_already_spent_cannot_be_reversed(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book, (_, b, c), wallet, shop = await _three_lots(session, settings, clock)
        await book.transfer(TransferRequest(wallet, shop, 60, "charge", "c:1"))  # 40 left
        before = await snapshot(session)
        with pytest.raises(InsufficientFunds) as refused:
            await book.reverse(b.id)
        assert (refused.value.code, refused.value.status) == ("insufficient_funds", 409)
        assert await snapshot(session) == before
        # Reserved coins are as good as spent: 30 held leaves 10 available, too few for c's 20.
        await book.hold(TransferRequest(wallet, shop, 30, "voucher", "h:1"), expires_at=FAR)
        before = await snapshot(session)
        with pytest.raises(InsufficientFunds):
            await book.reverse(c.id)
        assert await snapshot(session) == before
        assert (await verify_ledger(session)).ok


async def test_a_charge_the_merchant_paid_out_cannot_be_reversed(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book, _, wallet, shop = await _three_lots(session, settings, Clock())
        charge = await book.transfer(TransferRequest(wallet, shop, 10, "charge", "c:1"))
        await book.transfer(TransferRequest(shop, wallet, 5, "payout", "p:1"))
        before = await snapshot(session)
        with pytest.raises(InsufficientFunds):
            await book.reverse(charge.id)
        assert await snapshot(session) == before


async def test_a_credit_whose_lot_expired_unswept_can_still_be_reversed(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book, (a, b, c), wallet, _ = await _three_lots(session, settings, clock)
        clock.now = dt.datetime(2027, 1, 2, tzinfo=dt.UTC)  # lot a has expired, no sweep ran yet
        await book.reverse(a.id)  # the coins go back to the city, not to the expiry sink
        assert await lots(session, wallet) == {a.id: (0, 0), b.id: (50, 0), c.id: (20, 0)}
        assert await book.expire_lots() == 0
        assert (await verify_ledger(session)).ok
