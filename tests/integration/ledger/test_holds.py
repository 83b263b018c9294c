"""Two-phase transfers on both dialects: hold -> post | void, each settled once, and the hold-timeout sweep
(the service method and the job)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from service.errors import Conflict, InsufficientFunds, Invalid, NotFound
from service.jobs.queue import InProcessQueue
from service.ledger import jobs
from service.ledger.models import Hold, HoldStatus
from service.ledger.service import TransferRequest
from service.ledger.verify import verify_ledger
from tests.integration.ledger.helpers import (
    Clock,
    balance_of,
    issue_one,
    ledger,
    lot_of,
    lots,
    resident,
    snapshot,
    transfer_count,
)

HOUR = dt.timedelta(hours=1)


async def _setup(session, settings, clock: Clock, coins: int = 100):  # type: ignore[no-untyped-def]
    book = ledger(session, settings, clock)
    rid = await resident(session)
    credit = await issue_one(book, rid, coins, "seed")
    return book, credit, credit.credit_account_id, (await book.merchant_account(1)).id


async def test_a_hold_reserves_coins_that_no_transfer_can_spend(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book, credit, wallet, shop = await _setup(session, settings, clock)
        hold = await book.hold(
            TransferRequest(wallet, shop, 60, "voucher", "h:1"), expires_at=clock.now + HOUR
        )
        assert (hold.status, hold.amount, hold.expires_at) == (HoldStatus.PENDING, 60, clock.now + HOUR)
        assert await balance_of(session, wallet) == (100, 60)  # balance unchanged, 40 available
        assert await balance_of(session, shop) == (0, 0)
        assert (await lots(session, wallet))[credit.id] == (100, 60)
        before = await snapshot(session)
        with pytest.raises(InsufficientFunds):
            await book.transfer(TransferRequest(wallet, shop, 41, "charge", "c:1"))
        with pytest.raises(InsufficientFunds):
            await book.hold(TransferRequest(wallet, shop, 41, "voucher", "h:2"), expires_at=clock.now + HOUR)
        assert await snapshot(session) == before
        await book.transfer(TransferRequest(wallet, shop, 40, "charge", "c:2"))
        assert await balance_of(session, wallet) == (60, 60)
        assert (await verify_ledger(session)).ok


async def test_post_moves_the_coins_exactly_once(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book, credit, wallet, shop = await _setup(session, settings, clock)
        hold = await book.hold(
            TransferRequest(wallet, shop, 60, "voucher", "h:1", "order 7"), expires_at=clock.now + HOUR
        )
        clock.advance(minutes=59)
        posted = await book.post(hold.id)
        assert (posted.debit_account_id, posted.credit_account_id, posted.amount) == (wallet, shop, 60)
        assert (posted.hold_id, posted.kind, posted.reference) == (hold.id, "voucher", "order 7")
        after = await snapshot(session)
        clock.advance(hours=5)  # a replay after the expiry still answers with the posted transfer
        assert (await book.post(hold.id)).id == posted.id
        assert await snapshot(session) == after
        assert await balance_of(session, wallet) == (40, 0)
        assert await balance_of(session, shop) == (60, 0)
        assert (await lots(session, wallet))[credit.id] == (40, 0)
        assert await transfer_count(session, hold_id=hold.id) == 1
        assert (await session.get(Hold, hold.id, populate_existing=True)).status == HoldStatus.POSTED
        with pytest.raises(Conflict) as refused:
            await book.void(hold.id)
        assert (refused.value.code, refused.value.status) == ("hold_posted", 409)
        assert await snapshot(session) == after
        assert (await verify_ledger(session)).ok


async def test_void_releases_once_and_a_voided_hold_cannot_be_posted(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book, credit, wallet, shop = await _setup(session, settings, clock)
        hold = await book.hold(
            TransferRequest(wallet, shop, 60, "voucher", "h:1"), expires_at=clock.now + HOUR
        )
        voided = await book.void(hold.id)
        assert voided.status == HoldStatus.VOIDED
        after = await snapshot(session)
        assert await balance_of(session, wallet) == (100, 0)
        assert (await lots(session, wallet))[credit.id] == (100, 0)
        assert (await book.void(hold.id)).status == HoldStatus.VOIDED
        assert await snapshot(session) == after
        with pytest.raises(Conflict) as refused:
            await book.post(hold.id)
        assert refused.value.code == "hold_voided"
        assert await snapshot(session) == after
        assert await transfer_count(session, hold_id=hold.id) == 0
        await book.transfer(TransferRequest(wallet, shop, 100, "charge", "c:all"))  # all spendable again
        assert (await verify_ledger(session)).ok


async def test_an_expired_hold_cannot_be_posted_but_can_be_voided(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book, _, wallet, shop = await _setup(session, settings, clock)
        hold = await book.hold(
            TransferRequest(wallet, shop, 60, "voucher", "h:1"), expires_at=clock.now + HOUR
        )
        clock.advance(hours=1)  # exactly at the expiry: too late
        before = await snapshot(session)
        with pytest.raises(Conflict) as refused:
            await book.post(hold.id)
        assert (refused.value.code, refused.value.status) == ("hold_expired", 409)
        assert await snapshot(session) == before
        assert (await book.void(hold.id)).status == HoldStatus.VOIDED
        assert await balance_of(session, wallet) == (100, 0)
        assert (await verify_ledger(session)).ok


async def test_a_hold_to_a_wallet_opens_a_lot_when_posted(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book, _, wallet, shop = await _setup(session, settings, clock)
        await book.transfer(TransferRequest(wallet, shop, 40, "charge", "c:1"))
        friend = (await book.wallet(await resident(session, "13799990000"))).id
        hold = await book.hold(
            TransferRequest(shop, friend, 25, "refund", "r:1"), expires_at=clock.now + HOUR
        )
        assert hold.resident_id == (await book.account(friend)).resident_id  # the wallet's side
        assert await lots(session, friend) == {}
        posted = await book.post(hold.id)
        assert await balance_of(session, friend) == (25, 0)
        lot = await lot_of(session, posted.id)
        assert (lot.account_id, lot.remaining) == (friend, 25)
        assert (await verify_ledger(session)).ok


async def test_coins_never_move_between_two_residents_wallets(database, settings) -> None:  # type: ignore[no-untyped-def]
    """A gift from one wallet to another is refused and changes nothing: coins are earned from the city and
    spent at merchants; under Citus the two wallets would also be two shards (docs/scaling.md)."""
    clock = Clock()
    async with database.session() as session:
        book, _, wallet, _ = await _setup(session, settings, clock)
        friend = (await book.wallet(await resident(session, "13799990000"))).id
        before = await snapshot(session)
        gift = TransferRequest(wallet, friend, 25, "gift", "g:1")
        for attempt in (book.transfer(gift), book.hold(gift, expires_at=clock.now + HOUR)):
            with pytest.raises(Invalid) as refused:
                await attempt
            assert (refused.value.code, refused.value.status) == ("wallet_to_wallet", 422)
        assert await snapshot(session) == before


async def test_bad_holds_are_refused(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book, _, wallet, shop = await _setup(session, settings, clock)
        before = await snapshot(session)
        with pytest.raises(Invalid) as past:
            await book.hold(TransferRequest(wallet, shop, 5, "voucher", "h:1"), expires_at=clock.now)
        assert past.value.code == "hold_expiry_in_past"
        with pytest.raises(Invalid) as naive:
            await book.hold(
                TransferRequest(wallet, shop, 5, "voucher", "h:3"), expires_at=dt.datetime(2030, 1, 1)
            )
        assert naive.value.code == "hold_expiry_naive"
        with pytest.raises(InsufficientFunds):
            await book.hold(TransferRequest(wallet, shop, 101, "voucher", "h:2"), expires_at=clock.now + HOUR)
        for settle in (book.post, book.void):
            with pytest.raises(NotFound) as missing:
                await settle(10**9)
            assert missing.value.code == "hold_not_found"
        assert await snapshot(session) == before


async def _three_holds(book, wallet: int, shop: int, clock: Clock) -> dict[str, Hold]:  # type: ignore[no-untyped-def]
    made = {}
    for name, amount, ttl in [("soon", 10, HOUR), ("later", 20, 5 * HOUR), ("posted", 30, HOUR)]:
        request = TransferRequest(wallet, shop, amount, "voucher", f"h:{name}")
        made[name] = await book.hold(request, expires_at=clock.now + ttl)
    await book.post(made["posted"].id)
    return made


async def test_void_expired_holds_voids_only_expired_pending_holds(database, settings) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    async with database.session() as session:
        book, _, wallet, shop = await _setup(session, settings, clock)
        made = await _three_holds(book, wallet, shop, clock)
        assert await book.void_expired_holds() == 0  # nothing has expired yet
        clock.advance(hours=2)
        assert await book.void_expired_holds() == 1
        assert await book.void_expired_holds() == 0
        statuses = {
            name: (await session.get(Hold, h.id, populate_existing=True)).status for name, h in made.items()
        }
        assert statuses == {"soon": "voided", "later": "pending", "posted": "posted"}
        assert await balance_of(session, wallet) == (70, 20)
        clock.advance(hours=3)
        assert await book.void_expired_holds() == 1
        assert await balance_of(session, wallet) == (70, 0)
        assert (await verify_ledger(session)).ok


async def test_the_hold_timeout_job_voids_expired_holds_once(database, settings) -> None:  # type: ignore[no-untyped-def]
    # The job reads the real clock: make holds that were due five and one hours ago, and one due tomorrow.
    clock = Clock(dt.datetime.now(dt.UTC) - 6 * HOUR)
    async with database.session() as session:
        book, _, wallet, shop = await _setup(session, settings, clock)
        made = await _three_holds(book, wallet, shop, clock)
        tomorrow = await book.hold(
            TransferRequest(wallet, shop, 5, "voucher", "h:tomorrow"), expires_at=clock.now + 30 * HOUR
        )
    ctx = {"settings": settings, "database": database, "queue": InProcessQueue({}, {})}
    assert await jobs.void_expired_holds(ctx) == 2  # "soon" and "later"; "posted" was settled already
    assert await jobs.void_expired_holds(ctx) == 0
    async with database.session() as session:
        statuses = await session.execute(sa.select(Hold.idempotency_key, Hold.status).order_by(Hold.id))
        assert dict(statuses.all()) == {
            "h:soon": "voided",
            "h:later": "voided",
            "h:posted": "posted",
            "h:tomorrow": "pending",
        }
        assert await balance_of(session, wallet) == (70, tomorrow.amount)
        assert made["posted"].status == HoldStatus.POSTED
        assert (await verify_ledger(session)).ok
