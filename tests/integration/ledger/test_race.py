"""Races on PostgreSQL with real commits: every racer has its own session, connection and transaction."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from service.db.engine import Database
from service.errors import DomainError
from service.ledger.models import Account, Hold, Transfer
from service.ledger.service import Ledger, TransferRequest
from service.ledger.verify import verify_ledger
from service.settings import Settings
from tests.conftest import make_settings
from tests.integration.ledger.helpers import Clock, issue_one, ledger, lots, resident, transfer_count

NOW = dt.datetime(2026, 11, 20, 4, 0, tzinfo=dt.UTC)


@pytest.fixture
def pg_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, None)


async def _funded(db: Database, settings: Settings, credits: list[int]) -> tuple[int, int]:
    """A wallet credited ``credits`` (one lot each) and a merchant; returns their account ids."""
    async with db.session() as session:
        book = ledger(session, settings, Clock(NOW))
        rid = await resident(session)
        for n, amount in enumerate(credits):
            await issue_one(book, rid, amount, f"fund:{n}")
        return (await book.wallet(rid)).id, (await book.merchant_account(1)).id


def racer(db: Database, settings: Settings, clock: Clock | None = None):  # type: ignore[no-untyped-def]
    """Run one ledger call in its own committed transaction; a refusal becomes "<status> <code>"."""

    async def run(call: Callable[[Ledger], Awaitable[object]]) -> object:
        try:
            async with db.session() as session:
                return await call(ledger(session, settings, clock or Clock(NOW)))
        except DomainError as refused:
            return f"{refused.status} {refused.code}"

    return run


async def _account(db: Database, account_id: int) -> tuple[int, int]:
    async with db.session() as session:
        row = (
            await session.execute(sa.select(Account.balance, Account.held).where(Account.id == account_id))
        ).one()
        return row[0], row[1]


async def _verified(db: Database) -> None:
    async with db.session() as session:
        report = await verify_ledger(session)
        assert report.ok, report.as_text()
        negative = await session.scalar(
            sa.select(sa.func.count())
            .select_from(Account)
            .where(Account.kind.in_(("wallet", "merchant")), Account.balance - Account.held < 0)
        )
        assert negative == 0


async def test_concurrent_debits_succeed_exactly_as_far_as_the_funds_go(pg_committed, pg_settings) -> None:  # type: ignore[no-untyped-def]
    funds, amount, debits = 300, 7, 120  # affords 42 debits of 7; 78 must be refused
    wallet, shop = await _funded(pg_committed, pg_settings, [100, 150, 50])  # three lots
    run = racer(pg_committed, pg_settings)
    outcomes = await asyncio.gather(
        *(
            run(lambda b, n=n: b.transfer(TransferRequest(wallet, shop, amount, "charge", f"race:{n}")))
            for n in range(debits)
        )
    )
    kinds = Counter(o if isinstance(o, str) else "ok" for o in outcomes)
    assert kinds == {"ok": funds // amount, "409 insufficient_funds": debits - funds // amount}
    assert len({o.id for o in outcomes if isinstance(o, Transfer)}) == funds // amount
    assert await _account(pg_committed, wallet) == (funds % amount, 0)
    assert await _account(pg_committed, shop) == (funds // amount * amount, 0)
    async with pg_committed.session() as session:
        assert await transfer_count(session, kind="charge") == funds // amount
        assert sum(remaining for remaining, _ in (await lots(session, wallet)).values()) == funds % amount
    await _verified(pg_committed)


async def test_concurrent_holds_and_debits_never_reserve_more_than_the_wallet_has(
    pg_committed, pg_settings
) -> None:  # type: ignore[no-untyped-def]
    wallet, shop = await _funded(pg_committed, pg_settings, [60, 40])
    run = racer(pg_committed, pg_settings)
    until = NOW + dt.timedelta(hours=1)

    def attempt(n: int):  # type: ignore[no-untyped-def]
        request = TransferRequest(wallet, shop, 3, "charge" if n % 2 else "voucher", f"mix:{n}")
        return run(lambda b: b.transfer(request) if n % 2 else b.hold(request, expires_at=until))

    outcomes = await asyncio.gather(*(attempt(n) for n in range(100)))
    done = [o for o in outcomes if not isinstance(o, str)]
    assert len(done) == 100 // 3  # 33 of 3 coins each fit in 100, the 34th does not
    assert {o for o in outcomes if isinstance(o, str)} == {"409 insufficient_funds"}
    holds = [o for o in done if isinstance(o, Hold)]
    balance, held = await _account(pg_committed, wallet)
    assert (balance, held) == (100 - 3 * (len(done) - len(holds)), 3 * len(holds))
    assert balance - held == 1
    await _verified(pg_committed)


async def test_concurrent_replays_of_one_key_move_once(pg_committed, pg_settings) -> None:  # type: ignore[no-untyped-def]
    wallet, shop = await _funded(pg_committed, pg_settings, [100])
    run = racer(pg_committed, pg_settings)
    request = TransferRequest(wallet, shop, 9, "charge", "same-key")
    outcomes = await asyncio.gather(*(run(lambda b: b.transfer(request)) for _ in range(50)))
    assert all(isinstance(o, Transfer) for o in outcomes), outcomes
    assert len({o.id for o in outcomes}) == 1
    async with pg_committed.session() as session:
        assert await transfer_count(session, idempotency_key="same-key") == 1
    assert await _account(pg_committed, wallet) == (91, 0)
    assert await _account(pg_committed, shop) == (9, 0)
    await _verified(pg_committed)


async def _hold(
    db: Database, settings: Settings, wallet: int, shop: int, amount: int, key: str, clock: Clock
) -> int:
    async with db.session() as session:
        request = TransferRequest(wallet, shop, amount, "voucher", key)
        hold = await ledger(session, settings, clock).hold(
            request, expires_at=clock.now + dt.timedelta(hours=1)
        )
        return hold.id


@pytest.mark.parametrize("posts_first", [True, False])
async def test_post_and_void_racing_on_one_hold_settle_it_once(
    pg_committed, pg_settings, posts_first
) -> None:  # type: ignore[no-untyped-def]
    wallet, shop = await _funded(pg_committed, pg_settings, [100])
    clock = Clock(NOW)
    hold = await _hold(pg_committed, pg_settings, wallet, shop, 40, "h", clock)
    run = racer(pg_committed, pg_settings, clock)

    def settle(n: int):  # type: ignore[no-untyped-def]
        posting = (n % 2 == 0) == posts_first
        return run(lambda b: b.post(hold) if posting else b.void(hold))

    outcomes = await asyncio.gather(*(settle(n) for n in range(40)))
    codes = Counter(o if isinstance(o, str) else type(o).__name__ for o in outcomes)
    # Either every post returned the one transfer and every void was refused, or the other way round.
    assert codes in ({"Transfer": 20, "409 hold_posted": 20}, {"Hold": 20, "409 hold_voided": 20}), codes
    posted = "Transfer" in codes
    assert len({o.id for o in outcomes if isinstance(o, Transfer)}) == (1 if posted else 0)
    async with pg_committed.session() as session:
        assert await transfer_count(session, hold_id=hold) == (1 if posted else 0)
    assert await _account(pg_committed, wallet) == ((60, 0) if posted else (100, 0))
    assert await _account(pg_committed, shop) == ((40, 0) if posted else (0, 0))
    await _verified(pg_committed)


async def test_concurrent_reversals_of_one_transfer_reverse_it_once(pg_committed, pg_settings) -> None:  # type: ignore[no-untyped-def]
    wallet, shop = await _funded(pg_committed, pg_settings, [100])
    run = racer(pg_committed, pg_settings)
    charge = await run(lambda b: b.transfer(TransferRequest(wallet, shop, 30, "charge", "c:1")))
    outcomes = await asyncio.gather(*(run(lambda b: b.reverse(charge.id)) for _ in range(30)))  # type: ignore[attr-defined]
    assert len({o.id for o in outcomes}) == 1, outcomes  # type: ignore[union-attr]
    assert await _account(pg_committed, wallet) == (100, 0)
    assert await _account(pg_committed, shop) == (0, 0)
    await _verified(pg_committed)


async def test_concurrent_hold_sweeps_void_each_hold_once_and_count_it_once(
    pg_committed, pg_settings
) -> None:  # type: ignore[no-untyped-def]
    wallet, shop = await _funded(pg_committed, pg_settings, [100])
    clock = Clock(NOW)
    for n in range(20):
        await _hold(pg_committed, pg_settings, wallet, shop, 2, f"h:{n}", clock)
    clock.advance(hours=2)
    run = racer(pg_committed, pg_settings, clock)
    voided = await asyncio.gather(*(run(lambda b: b.void_expired_holds()) for _ in range(4)))
    assert sum(voided) == 20, voided  # type: ignore[arg-type]
    assert await _account(pg_committed, wallet) == (100, 0)
    async with pg_committed.session() as session:
        assert (
            await session.scalar(sa.select(sa.func.count()).select_from(Hold).where(Hold.status == "voided"))
            == 20
        )
    await _verified(pg_committed)


async def test_concurrent_expiry_sweeps_move_each_coin_once(pg_committed, pg_settings) -> None:  # type: ignore[no-untyped-def]
    async with pg_committed.session() as session:
        book = ledger(session, pg_settings, Clock(dt.datetime(2025, 3, 1, tzinfo=dt.UTC)))
        for n in range(10):
            await issue_one(book, await resident(session, f"1370000200{n}"), 10 + n, f"k:{n}")
    run = racer(pg_committed, pg_settings, Clock(dt.datetime(2027, 1, 2, tzinfo=dt.UTC)))
    moved = await asyncio.gather(*(run(lambda b: b.expire_lots()) for _ in range(4)))
    assert sum(moved) == sum(range(10, 20)), moved  # type: ignore[arg-type]
    async with pg_committed.session() as session:
        assert await transfer_count(session, kind="expiry") == 10
        sink = await session.scalar(sa.select(Account.balance).where(Account.kind == "expiry"))
        assert sink == sum(range(10, 20))
    await _verified(pg_committed)


async def test_a_refused_racer_is_a_409_not_a_crash(pg_committed, pg_settings) -> None:  # type: ignore[no-untyped-def]
    # A post arriving after its hold expired loses against the sweep the same way whoever runs first.
    wallet, shop = await _funded(pg_committed, pg_settings, [50])
    clock = Clock(NOW)
    hold = await _hold(pg_committed, pg_settings, wallet, shop, 20, "h", clock)
    clock.advance(hours=1)
    run = racer(pg_committed, pg_settings, clock)
    outcomes = await asyncio.gather(run(lambda b: b.post(hold)), run(lambda b: b.void_expired_holds()))
    assert outcomes[0] in ("409 hold_expired", "409 hold_voided")
    assert outcomes[1] == 1
    assert await _account(pg_committed, wallet) == (50, 0)
    await _verified(pg_committed)
