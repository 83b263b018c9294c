"""Idempotency on both dialects: a replay returns the first result and moves nothing; the same key for a
different request is a 409 ``idempotency_conflict`` that changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from service.errors import IdempotencyConflict, InsufficientFunds, Invalid
from service.ledger.service import TransferRequest
from service.ledger.verify import verify_ledger
from tests.integration.ledger.helpers import (
    Clock,
    balance_of,
    issue_one,
    ledger,
    resident,
    snapshot,
    transfer_count,
)

FAR = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)  # every lot made in these tests has expired by then


async def _wallet_and_shop(book, session, coins: int = 100) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    rid = await resident(session)
    await issue_one(book, rid, coins, "seed")
    return rid, (await book.wallet(rid)).id, (await book.merchant_account(1)).id


async def test_a_replayed_transfer_returns_the_original_and_moves_nothing(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        _, wallet, shop = await _wallet_and_shop(book, session)
        request = TransferRequest(wallet, shop, 30, "charge", "pay:1", "order 1")
        first = await book.transfer(request)
        after_first = await snapshot(session)
        again = await book.transfer(request)
        assert again.id == first.id
        assert await snapshot(session) == after_first
    # A replay in a later transaction, after the wallet spent the rest, still answers with the original.
    async with database.session() as session:
        book = ledger(session, settings)
        await book.transfer(TransferRequest(wallet, shop, 70, "charge", "pay:2"))
        assert (await book.transfer(request)).id == first.id
        assert await balance_of(session, wallet) == (0, 0)
        assert await transfer_count(session, kind="charge") == 2
        assert (await verify_ledger(session)).ok


async def test_a_replayed_issue_credits_once(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        rid = await resident(session)
        first = await issue_one(book, rid, 20, "action:1")
        for _ in range(3):
            assert (await issue_one(book, rid, 20, "action:1")).id == first.id
        assert await balance_of(session, first.credit_account_id) == (20, 0)
        assert await transfer_count(session) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"amount": 31},
        {"credit": "other merchant"},
        {"kind": "refund"},
        {"reference": "order 2"},
    ],
)
async def test_the_same_key_for_a_different_request_is_a_conflict(database, settings, change) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        _, wallet, shop = await _wallet_and_shop(book, session)
        other = (await book.merchant_account(2)).id
        await book.transfer(TransferRequest(wallet, shop, 30, "charge", "pay:1", "order 1"))
        before = await snapshot(session)
        different = TransferRequest(
            wallet,
            other if "credit" in change else shop,
            change.get("amount", 30),
            change.get("kind", "charge"),
            "pay:1",
            change.get("reference", "order 1"),
        )
        with pytest.raises(IdempotencyConflict) as conflict:
            await book.transfer(different)
        assert (conflict.value.code, conflict.value.status) == ("idempotency_conflict", 409)
        assert conflict.value.extra == {"idempotency_key": "pay:1"}
        assert await snapshot(session) == before


async def test_a_key_used_for_a_hold_cannot_be_reused_for_a_transfer(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book = ledger(session, settings, clock)
        _, wallet, shop = await _wallet_and_shop(book, session)
        request = TransferRequest(wallet, shop, 30, "voucher", "k:1")
        await book.hold(request, expires_at=clock.now + dt.timedelta(hours=1))
        before = await snapshot(session)
        with pytest.raises(IdempotencyConflict):
            await book.transfer(request)
        assert await snapshot(session) == before


async def test_a_replayed_hold_reserves_once(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book = ledger(session, settings, clock)
        _, wallet, shop = await _wallet_and_shop(book, session)
        request = TransferRequest(wallet, shop, 30, "voucher", "h:1")
        expires = clock.now + dt.timedelta(hours=1)
        first = await book.hold(request, expires_at=expires)
        assert (await book.hold(request, expires_at=expires)).id == first.id
        assert await balance_of(session, wallet) == (100, 30)
        with pytest.raises(IdempotencyConflict):
            await book.hold(request, expires_at=expires + dt.timedelta(minutes=1))
        assert await balance_of(session, wallet) == (100, 30)
        assert (await verify_ledger(session)).ok


async def test_a_refused_request_does_not_use_up_its_key(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        rid, wallet, shop = await _wallet_and_shop(book, session, coins=10)
        request = TransferRequest(wallet, shop, 15, "charge", "pay:1")
        with pytest.raises(InsufficientFunds):
            await book.transfer(request)
        await issue_one(book, rid, 5, "top-up")
        done = await book.transfer(request)
        assert (await book.transfer(request)).id == done.id
        assert await balance_of(session, wallet) == (0, 0)
        assert (await verify_ledger(session)).ok


@pytest.mark.parametrize("prefix", ["post:", "reverse:", "expire:"])
async def test_keys_the_ledger_makes_for_itself_are_refused_from_callers(database, settings, prefix) -> None:  # type: ignore[no-untyped-def]
    # A caller's transfer under "post:<hold id>" once made that hold impossible to post (a unique
    # violation, a 500); under "reverse:<id>" the transfer could never be reversed; and under
    # "expire:<lot>:1" every expiry sweep failed with idempotency_conflict.
    clock = Clock()
    async with database.session() as session:
        book = ledger(session, settings, clock)
        rid, wallet, shop = await _wallet_and_shop(book, session)
        before = await snapshot(session)
        for call in (
            lambda: book.transfer(TransferRequest(wallet, shop, 5, "charge", f"{prefix}1")),
            lambda: book.hold(TransferRequest(wallet, shop, 5, "v", f"{prefix}1"), expires_at=FAR),
            lambda: issue_one(book, rid, 5, f"{prefix}1"),
        ):
            with pytest.raises(Invalid) as refused:
                await call()
            assert refused.value.code == "reserved_idempotency_key"
        assert await snapshot(session) == before
        # The ledger's own keys still work: post, reverse and sweep.
        hold = await book.hold(TransferRequest(wallet, shop, 5, "v", "h:1"), expires_at=FAR)
        posted = await book.post(hold.id)
        assert posted.idempotency_key == f"post:{hold.id}"
        assert (await book.reverse(posted.id)).idempotency_key == f"reverse:{posted.id}"
        clock.now = FAR
        assert await book.expire_lots() == 100
        assert (await verify_ledger(session)).ok
