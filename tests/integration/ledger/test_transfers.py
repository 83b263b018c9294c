"""Posted transfers on both dialects: issuing opens a lot to the end of next (local) year, balances move on
both sides, and bad input is refused with its code while changing nothing at all."""

from __future__ import annotations

import datetime as dt

import pytest

from service.errors import InsufficientFunds, Invalid, NotFound
from service.ledger.models import Transfer
from service.ledger.service import MAX_AMOUNT, MAX_KEY_LENGTH, Credit, IssueMode, TransferRequest
from service.ledger.verify import verify_ledger
from tests.integration.ledger.helpers import (
    Clock,
    balance_of,
    balances,
    issue_one,
    ledger,
    lot_of,
    resident,
    snapshot,
    transfer_count,
)

SHANGHAI = dt.timezone(dt.timedelta(hours=8))  # fixed offset, independent of the code under test


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)


def end_of_local_year(year: int) -> dt.datetime:
    """The end of 31 December ``year`` in Shanghai, i.e. 1 January ``year + 1`` 00:00 +08:00."""
    return dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("earned_at", "expires_at"),
    [
        # 23:59:59 on 31 Dec 2026 in Shanghai: still 2026 there, so the lot lives to the end of 2027.
        (at(2026, 12, 31, 15, 59, 59), end_of_local_year(2027)),
        # 00:00 on 1 Jan 2027 in Shanghai, though still 2026 in UTC: the lot lives to the end of 2028.
        (at(2026, 12, 31, 16, 0, 0), end_of_local_year(2028)),
        # Half past midnight on 1 Jan 2026 local, 31 Dec 2025 in UTC: a UTC year would say end of 2026.
        (at(2025, 12, 31, 16, 30), end_of_local_year(2027)),
        (at(2026, 6, 15, 12, 0), end_of_local_year(2027)),
    ],
)
async def test_issue_opens_a_lot_to_the_end_of_the_next_local_year(  # type: ignore[no-untyped-def]
    database, settings, earned_at: dt.datetime, expires_at: dt.datetime
) -> None:
    async with database.session() as session:
        book = ledger(session, settings, Clock(earned_at))
        credit = await issue_one(book, await resident(session), 50, "k:1")
        lot = await lot_of(session, credit.id)
        assert lot.expires_at == expires_at
        assert (lot.amount, lot.remaining, lot.held) == (50, 50, 0)
        assert (await verify_ledger(session)).ok


async def test_a_lot_is_spendable_until_its_last_instant_and_not_at_its_expiry(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock(at(2026, 5, 1))
    async with database.session() as session:
        book = ledger(session, settings, clock)
        rid = await resident(session)
        await issue_one(book, rid, 10, "seed")
        wallet, shop = (await book.wallet(rid)).id, (await book.merchant_account(1)).id
        clock.now = end_of_local_year(2027) - dt.timedelta(microseconds=1)
        await book.transfer(TransferRequest(wallet, shop, 4, "charge", "c:last-instant"))
        clock.now = end_of_local_year(2027)
        with pytest.raises(InsufficientFunds) as refused:
            await book.transfer(TransferRequest(wallet, shop, 1, "charge", "c:expired"))
        assert refused.value.code == "insufficient_funds"
        assert await balance_of(session, wallet) == (6, 0)


async def test_years_after_setting_moves_the_expiry(database, settings) -> None:  # type: ignore[no-untyped-def]
    same_year = settings.model_copy(
        update={"ledger": settings.ledger.model_copy(update={"expiry_years_after": 0})}
    )
    async with database.session() as session:
        book = ledger(session, same_year, Clock(at(2026, 12, 31, 16, 0)))
        credit = await issue_one(book, await resident(session), 5, "k:0")
        assert (await lot_of(session, credit.id)).expires_at == end_of_local_year(2027)


async def test_issue_and_transfer_move_balances_on_both_sides(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        rid = await resident(session)
        credit = await issue_one(book, rid, 70, "k:1", "action 1")
        wallet, shop = await book.wallet(rid), await book.merchant_account(9)
        source = await book.account(credit.debit_account_id)
        assert source.kind == "issuance"
        assert (credit.credit_account_id, credit.amount, credit.kind) == (wallet.id, 70, "credit")
        assert credit.reference == "action 1"
        assert await balance_of(session, source.id) == (-70, 0)
        assert await balance_of(session, wallet.id) == (70, 0)

        charge = await book.transfer(TransferRequest(wallet.id, shop.id, 25, "charge", "c:1"))
        assert (charge.debit_account_id, charge.credit_account_id) == (wallet.id, shop.id)
        assert await balance_of(session, wallet.id) == (45, 0)
        assert await balance_of(session, shop.id) == (25, 0)
        assert (await lot_of(session, credit.id)).remaining == 45
        assert sum(balance for balance, _ in (await balances(session)).values()) == 0
        report = await verify_ledger(session)
        assert report.ok, report.as_text()
        assert report.transfers == 2


async def test_the_largest_amount_and_the_longest_key_are_accepted(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        rid = await resident(session)
        await issue_one(book, rid, MAX_AMOUNT, "k" * MAX_KEY_LENGTH)
        assert await balance_of(session, (await book.wallet(rid)).id) == (MAX_AMOUNT, 0)
        assert (await verify_ledger(session)).ok


BAD_REQUESTS = [
    pytest.param({"amount": 0}, "invalid_amount", id="zero"),
    pytest.param({"amount": -5}, "invalid_amount", id="negative"),
    pytest.param({"amount": True}, "invalid_amount", id="bool"),
    pytest.param({"amount": 2.0}, "invalid_amount", id="float"),
    pytest.param({"amount": "3"}, "invalid_amount", id="string"),
    pytest.param({"amount": MAX_AMOUNT + 1}, "invalid_amount", id="too-large"),
    pytest.param({"same": True}, "same_account", id="same-account"),
    pytest.param({"key": ""}, "invalid_idempotency_key", id="empty-key"),
    pytest.param({"key": "k" * (MAX_KEY_LENGTH + 1)}, "invalid_idempotency_key", id="long-key"),
]


async def _funded(book, session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    rid = await resident(session)
    await issue_one(book, rid, 100, "seed")
    return (await book.wallet(rid)).id, (await book.merchant_account(1)).id


def _request(wallet: int, shop: int, bad: dict[str, object]) -> TransferRequest:
    return TransferRequest(
        wallet,
        wallet if bad.get("same") else shop,
        bad.get("amount", 5),  # type: ignore[arg-type]
        "charge",
        bad.get("key", "bad"),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(("bad", "code"), BAD_REQUESTS)
async def test_a_bad_transfer_is_refused_and_changes_nothing(database, settings, bad, code) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        wallet, shop = await _funded(book, session)
        before = await snapshot(session)
        with pytest.raises(Invalid) as refused:
            await book.transfer(_request(wallet, shop, bad))
        assert (refused.value.code, refused.value.status) == (code, 422)
        assert await snapshot(session) == before


@pytest.mark.parametrize(("bad", "code"), BAD_REQUESTS)
async def test_a_bad_hold_is_refused_and_changes_nothing(database, settings, bad, code) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book = ledger(session, settings, clock)
        wallet, shop = await _funded(book, session)
        before = await snapshot(session)
        with pytest.raises(Invalid) as refused:
            await book.hold(_request(wallet, shop, bad), expires_at=clock.now + dt.timedelta(hours=1))
        assert refused.value.code == code
        assert await snapshot(session) == before


@pytest.mark.parametrize("mode", list(IssueMode))
@pytest.mark.parametrize(("bad", "code"), [p for p in BAD_REQUESTS if "same" not in p.values[0]])
async def test_a_bad_issue_to_a_new_resident_creates_no_account(database, settings, bad, code, mode) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        await _funded(book, session)
        good, newcomer = await resident(session, "13711113333"), await resident(session, "13711112222")
        before = await snapshot(session)
        # The bad credit comes second: every credit is checked before the first one is written.
        credits = [Credit(good, 5, "good"), Credit(newcomer, bad.get("amount", 5), bad.get("key", "k"))]
        with pytest.raises(Invalid) as refused:
            await book.issue(credits, mode=mode)
        assert refused.value.code == code
        assert await snapshot(session) == before


async def test_unknown_accounts_are_not_found_and_change_nothing(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        wallet, shop = await _funded(book, session)
        before = await snapshot(session)
        for request in (
            TransferRequest(wallet, 10**9, 5, "charge", "nf:1"),
            TransferRequest(10**9, shop, 5, "charge", "nf:2"),
        ):
            with pytest.raises(NotFound) as missing:
                await book.transfer(request)
            assert (missing.value.code, missing.value.status) == ("account_not_found", 404)
        with pytest.raises(NotFound):
            await book.reverse(10**9)
        assert await snapshot(session) == before
        assert await transfer_count(session, kind="charge") == 0
        assert await session.get(Transfer, 10**9) is None
