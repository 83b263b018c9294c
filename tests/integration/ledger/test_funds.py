"""Insufficient funds on both dialects: the refusal is a 409 that leaves the caller's transaction usable and
unchanged, and the database's own CHECK constraints refuse what the code would never write."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from service.errors import InsufficientFunds
from service.ledger.service import TransferRequest
from service.ledger.verify import verify_ledger
from tests.integration.ledger.helpers import balance_of, issue_one, ledger, resident, snapshot, transfer_count


async def test_overdraft_is_a_409_and_the_outer_transaction_carries_on(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        rid = await resident(session)
        await issue_one(book, rid, 30, "seed")
        wallet, shop = (await book.wallet(rid)).id, (await book.merchant_account(1)).id
        await book.transfer(TransferRequest(wallet, shop, 10, "charge", "c:1"))
        before = await snapshot(session)
        with pytest.raises(InsufficientFunds) as refused:
            await book.transfer(TransferRequest(wallet, shop, 21, "charge", "c:2"))
        assert (refused.value.code, refused.value.status) == ("insufficient_funds", 409)
        assert refused.value.extra == {}  # no account id: a merchant's till reads this
        assert refused.value.detail == "not enough coins available"  # the PostgreSQL functions' words
        assert await snapshot(session) == before
        # The same transaction goes on: the refused key is free again and the rest of the money moves.
        await book.transfer(TransferRequest(wallet, shop, 20, "charge", "c:2"))
    async with database.session() as session:
        assert await balance_of(session, wallet) == (0, 0)
        assert await balance_of(session, shop) == (30, 0)
        assert await transfer_count(session, kind="charge") == 2
        assert (await verify_ledger(session)).ok


async def test_a_merchant_cannot_pay_out_more_than_it_holds(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        rid = await resident(session)
        await issue_one(book, rid, 30, "seed")
        wallet, shop = (await book.wallet(rid)).id, (await book.merchant_account(1)).id
        await book.transfer(TransferRequest(wallet, shop, 12, "charge", "c:1"))
        before = await snapshot(session)
        with pytest.raises(InsufficientFunds):
            await book.transfer(TransferRequest(shop, wallet, 13, "refund", "r:1"))
        assert await snapshot(session) == before
        await book.transfer(TransferRequest(shop, wallet, 12, "refund", "r:2"))
        assert await balance_of(session, shop) == (0, 0)
        assert (await verify_ledger(session)).ok


async def test_an_empty_wallet_cannot_pay_even_one_coin(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        wallet = (await book.wallet(await resident(session))).id
        shop = (await book.merchant_account(1)).id
        with pytest.raises(InsufficientFunds):
            await book.transfer(TransferRequest(wallet, shop, 1, "charge", "c:1"))
        assert await transfer_count(session) == 0


async def test_issuance_is_a_source_and_may_go_below_zero(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        credit = await issue_one(book, await resident(session), 500, "seed")
        assert await balance_of(session, credit.debit_account_id) == (-500, 0)


async def _account_ids(database, settings) -> dict[str, int]:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        rid = await resident(session)
        credit = await issue_one(book, rid, 10, "seed")
        return {
            "wallet": credit.credit_account_id,
            "merchant": (await book.merchant_account(1)).id,
            "issuance": credit.debit_account_id,
            "expiry": (await book.expiry_account()).id,
        }


@pytest.mark.parametrize(
    ("kind", "assignment"),
    [
        ("wallet", "balance = -1"),
        ("wallet", "held = balance + 1"),
        ("wallet", "held = -1"),
        ("merchant", "balance = -1"),
        ("issuance", "held = -1"),
    ],
)
async def test_the_database_check_refuses_a_negative_guarded_balance(
    database, settings, kind, assignment
) -> None:  # type: ignore[no-untyped-def]
    ids = await _account_ids(database, settings)
    with pytest.raises(IntegrityError):
        async with database.session() as session:
            await session.execute(
                sa.text(f"UPDATE accounts SET {assignment} WHERE id = :id"), {"id": ids[kind]}
            )
    async with database.session() as session:
        assert await balance_of(session, ids["wallet"]) == (10, 0)


@pytest.mark.tampers_with_books
@pytest.mark.parametrize("kind", ["issuance", "expiry"])
async def test_sources_and_sinks_are_not_guarded_by_the_check(database, settings, kind) -> None:  # type: ignore[no-untyped-def]
    ids = await _account_ids(database, settings)
    async with database.session() as session:
        await session.execute(sa.text("UPDATE accounts SET balance = -7 WHERE id = :id"), {"id": ids[kind]})
        assert (await balance_of(session, ids[kind]))[0] == -7


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE transfers SET amount = 0",
        "UPDATE transfers SET credit_account_id = debit_account_id",
        "UPDATE lots SET remaining = amount + 1",
        "UPDATE lots SET held = remaining + 1",
        "UPDATE lots SET remaining = -1",
    ],
)
async def test_the_database_checks_transfers_and_lots(database, settings, statement) -> None:  # type: ignore[no-untyped-def]
    await _account_ids(database, settings)
    with pytest.raises(IntegrityError):
        async with database.session() as session:
            await session.execute(sa.text(statement))
