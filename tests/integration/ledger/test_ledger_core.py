"""Ledger operations on both dialects: transfers, refusals, idempotency, holds, expiry, reversal."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from service.errors import Conflict, IdempotencyConflict, InsufficientFunds, Invalid
from service.ledger.models import HoldStatus, Lot
from service.ledger.service import MAX_AMOUNT, TransferRequest
from service.ledger.verify import verify_ledger
from tests.integration.ledger.helpers import Clock, balances, ledger, resident, transfer_count


async def test_issue_credits_wallet_and_opens_a_lot_to_the_end_of_next_year(database, settings) -> None:  # type: ignore[no-untyped-def]
    # 2026-12-31 17:00 UTC is already 1 January 2027 in Shanghai: the lot follows the local year.
    clock = Clock(dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC))
    async with database.session() as session:
        book = ledger(session, settings, clock)
        rid = await resident(session)
        transfer = await book.issue(rid, 50, kind="credit", idempotency_key="k:1")
        lot = await session.scalar(sa.select(Lot).where(Lot.transfer_id == transfer.id))
        assert lot is not None
        assert lot.expires_at == dt.datetime(2029, 1, 1, tzinfo=settings.zone)
        wallet = await book.wallet(rid)
        assert (wallet.balance, wallet.held) == (50, 0)
        assert (await verify_ledger(session)).ok


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (0, "invalid_amount"),
        (-5, "invalid_amount"),
        (True, "invalid_amount"),
        (MAX_AMOUNT + 1, "invalid_amount"),
    ],
)
async def test_bad_amounts_are_refused_and_change_nothing(database, settings, amount, code) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        rid = await resident(session)
        await book.issue(rid, 10, kind="credit", idempotency_key="seed")
        before = (await balances(session), await transfer_count(session))
        with pytest.raises(Invalid) as refused:
            await book.issue(rid, amount, kind="credit", idempotency_key="bad")
        assert refused.value.code == code
        assert (await balances(session), await transfer_count(session)) == before


async def test_same_account_and_bad_keys_are_refused(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        wallet = await book.wallet(await resident(session))
        for request, code in [
            (TransferRequest(wallet.id, wallet.id, 1, "x", "k"), "same_account"),
            (TransferRequest(wallet.id, wallet.id + 1, 1, "x", ""), "invalid_idempotency_key"),
            (TransferRequest(wallet.id, wallet.id + 1, 1, "x", "k" * 201), "invalid_idempotency_key"),
        ]:
            with pytest.raises(Invalid) as refused:
                await book.transfer(request)
            assert refused.value.code == code


async def test_overdraft_is_refused_and_the_transaction_stays_usable(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        rid = await resident(session)
        await book.issue(rid, 30, kind="credit", idempotency_key="seed")
        wallet, shop = await book.wallet(rid), await book.merchant_account(1)
        before = await balances(session)
        with pytest.raises(InsufficientFunds) as refused:
            await book.transfer(TransferRequest(wallet.id, shop.id, 31, "charge", "c:1"))
        assert (refused.value.code, refused.value.status) == ("insufficient_funds", 409)
        assert await balances(session) == before
        await book.transfer(TransferRequest(wallet.id, shop.id, 30, "charge", "c:2"))
        assert (await balances(session))[f"wallet:{rid}"] == (0, 0)
        assert (await verify_ledger(session)).ok


async def test_the_database_itself_refuses_a_negative_wallet(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        wallet = await ledger(session, settings).wallet(await resident(session))
    with pytest.raises(IntegrityError):
        async with database.session() as session:
            await session.execute(
                sa.text("UPDATE accounts SET balance = -1 WHERE id = :id"), {"id": wallet.id}
            )


async def test_idempotent_replay_and_conflict(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        rid = await resident(session)
        first = await book.issue(rid, 20, kind="credit", idempotency_key="once")
        again = await book.issue(rid, 20, kind="credit", idempotency_key="once")
        assert again.id == first.id
        assert (await book.wallet(rid)).balance == 20
        with pytest.raises(IdempotencyConflict) as conflict:
            await book.issue(rid, 21, kind="credit", idempotency_key="once")
        assert (conflict.value.code, conflict.value.status) == ("idempotency_conflict", 409)
        assert await transfer_count(session) == 1


async def test_hold_then_post_moves_once(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book = ledger(session, settings, clock)
        rid = await resident(session)
        await book.issue(rid, 100, kind="credit", idempotency_key="seed")
        wallet, shop = await book.wallet(rid), await book.merchant_account(1)
        hold = await book.hold(
            TransferRequest(wallet.id, shop.id, 60, "voucher", "h:1"),
            expires_at=clock.now + dt.timedelta(hours=1),
        )
        assert (await balances(session))[f"wallet:{rid}"] == (100, 60)
        with pytest.raises(InsufficientFunds):
            await book.transfer(TransferRequest(wallet.id, shop.id, 41, "charge", "c:1"))
        posted = await book.post(hold.id)
        assert (await book.post(hold.id)).id == posted.id
        assert (await balances(session))[f"wallet:{rid}"] == (40, 0)
        assert (await balances(session))["merchant:1"] == (60, 0)
        with pytest.raises(Conflict) as refused:
            await book.void(hold.id)
        assert refused.value.code == "hold_posted"
        assert (await verify_ledger(session)).ok


async def test_void_releases_once_and_expired_holds_are_swept(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book = ledger(session, settings, clock)
        rid = await resident(session)
        await book.issue(rid, 100, kind="credit", idempotency_key="seed")
        wallet, shop = await book.wallet(rid), await book.merchant_account(1)
        soon = await book.hold(
            TransferRequest(wallet.id, shop.id, 10, "voucher", "h:a"),
            expires_at=clock.now + dt.timedelta(minutes=5),
        )
        later = await book.hold(
            TransferRequest(wallet.id, shop.id, 20, "voucher", "h:b"),
            expires_at=clock.now + dt.timedelta(hours=5),
        )
        voided = await book.void(soon.id)
        assert (await book.void(soon.id)).status == voided.status == HoldStatus.VOIDED
        with pytest.raises(Conflict) as refused:
            await book.post(soon.id)
        assert refused.value.code == "hold_voided"
        assert (await balances(session))[f"wallet:{rid}"] == (100, 20)
        clock.advance(hours=6)
        with pytest.raises(Conflict) as expired:
            await book.post(later.id)
        assert expired.value.code == "hold_expired"
        assert await book.void_expired_holds() == 1
        assert await book.void_expired_holds() == 0
        assert (await balances(session))[f"wallet:{rid}"] == (100, 0)
        assert (await verify_ledger(session)).ok


async def test_earliest_lots_are_spent_first_and_expired_ones_are_swept(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock(dt.datetime(2025, 6, 1, tzinfo=dt.UTC))
    async with database.session() as session:
        book = ledger(session, settings, clock)
        rid = await resident(session)
        old = await book.issue(rid, 30, kind="credit", idempotency_key="2025")  # expires end of 2026
        clock.now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
        new = await book.issue(rid, 50, kind="credit", idempotency_key="2026")  # expires end of 2027
        wallet, shop = await book.wallet(rid), await book.merchant_account(1)
        await book.transfer(TransferRequest(wallet.id, shop.id, 20, "charge", "c:1"))
        lots = {lot.transfer_id: lot.remaining for lot in (await session.scalars(sa.select(Lot))).all()}
        assert lots == {old.id: 10, new.id: 50}
        hold = await book.hold(
            TransferRequest(wallet.id, shop.id, 5, "voucher", "h:1"),
            expires_at=dt.datetime(2027, 3, 1, tzinfo=dt.UTC),
        )
        clock.now = dt.datetime(2027, 1, 2, tzinfo=dt.UTC)  # the 2025 lot has expired; 5 of its 10 are held
        with pytest.raises(InsufficientFunds):
            await book.transfer(TransferRequest(wallet.id, shop.id, 51, "charge", "c:2"))
        assert await book.expire_lots() == 5
        assert await book.expire_lots() == 0
        await book.void(hold.id)
        assert await book.expire_lots() == 5
        assert (await balances(session))["expiry"] == (10, 0)
        assert (await balances(session))[f"wallet:{rid}"] == (50, 0)
        assert (await verify_ledger(session)).ok


async def test_reversals(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        rid = await resident(session)
        credit = await book.issue(rid, 40, kind="credit", idempotency_key="seed")
        wallet, shop = await book.wallet(rid), await book.merchant_account(1)
        charge = await book.transfer(TransferRequest(wallet.id, shop.id, 25, "charge", "c:1"))
        refund = await book.reverse(charge.id)
        assert (await book.reverse(charge.id)).id == refund.id
        assert (await balances(session))[f"wallet:{rid}"] == (40, 0)
        lot = await session.scalar(
            sa.select(Lot).where(Lot.transfer_id == credit.id).execution_options(populate_existing=True)
        )
        assert lot is not None
        assert lot.remaining == 40, "the refund went back into the lot it came from"
        with pytest.raises(Invalid) as refused:
            await book.reverse(refund.id)
        assert refused.value.code == "cannot_reverse_reversal"
        await book.transfer(TransferRequest(wallet.id, shop.id, 30, "charge", "c:2"))
        with pytest.raises(InsufficientFunds):
            await book.reverse(credit.id)
        assert (await verify_ledger(session)).ok
