"""Races on PostgreSQL with real commits: many connections at once against one wallet."""

from __future__ import annotations

import asyncio
import datetime as dt

import sqlalchemy as sa

from service.errors import Conflict, InsufficientFunds
from service.ledger.models import Account, Transfer
from service.ledger.service import TransferRequest
from service.ledger.verify import verify_ledger
from tests.integration.ledger.helpers import Clock, ledger, resident

DEBITS = 120
AMOUNT = 7
FUNDS = 300  # affords 42 debits of 7


async def _funded_wallet(db, settings, coins: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    async with db.session() as session:
        book = ledger(session, settings)
        rid = await resident(session)
        await book.issue(rid, coins, kind="credit", idempotency_key="fund")
        return (await book.wallet(rid)).id, (await book.merchant_account(1)).id


async def test_concurrent_debits_never_overdraw(pg_committed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, None)
    wallet, shop = await _funded_wallet(pg_committed, settings, FUNDS)

    async def debit(n: int) -> str:
        try:
            async with pg_committed.session() as session:
                await ledger(session, settings).transfer(
                    TransferRequest(wallet, shop, AMOUNT, "charge", f"race:{n}")
                )
            return "ok"
        except InsufficientFunds as refused:
            return f"{refused.status} {refused.code}"

    outcomes = await asyncio.gather(*(debit(n) for n in range(DEBITS)))
    assert outcomes.count("ok") == FUNDS // AMOUNT
    assert outcomes.count("409 insufficient_funds") == DEBITS - FUNDS // AMOUNT
    async with pg_committed.session() as session:
        balance = await session.scalar(sa.select(Account.balance).where(Account.id == wallet))
        assert balance == FUNDS % AMOUNT
        assert (await verify_ledger(session)).ok


async def test_concurrent_replays_of_one_key_move_once(pg_committed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, None)
    wallet, shop = await _funded_wallet(pg_committed, settings, 100)

    async def pay() -> int:
        async with pg_committed.session() as session:
            transfer = await ledger(session, settings).transfer(
                TransferRequest(wallet, shop, 9, "charge", "same-key")
            )
            return transfer.id

    ids = await asyncio.gather(*(pay() for _ in range(50)))
    assert len(set(ids)) == 1
    async with pg_committed.session() as session:
        assert (
            await session.scalar(
                sa.select(sa.func.count()).select_from(Transfer).where(Transfer.kind == "charge")
            )
            == 1
        )
        assert await session.scalar(sa.select(Account.balance).where(Account.id == wallet)) == 91


async def test_post_and_void_racing_on_one_hold_settle_once(pg_committed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, None)
    wallet, shop = await _funded_wallet(pg_committed, settings, 100)
    clock = Clock(dt.datetime.now(dt.UTC))
    async with pg_committed.session() as session:
        hold = await ledger(session, settings, clock).hold(
            TransferRequest(wallet, shop, 40, "voucher", "h"), expires_at=clock.now + dt.timedelta(hours=1)
        )

    async def settle(n: int) -> str:
        try:
            async with pg_committed.session() as session:
                book = ledger(session, settings, clock)
                await (book.post(hold.id) if n % 2 else book.void(hold.id))
            return "post" if n % 2 else "void"
        except Conflict as refused:
            return refused.code

    outcomes = set(await asyncio.gather(*(settle(n) for n in range(40))))
    assert outcomes in ({"post", "hold_posted"}, {"void", "hold_voided"})
    async with pg_committed.session() as session:
        balance, held = (
            await session.execute(sa.select(Account.balance, Account.held).where(Account.id == wallet))
        ).one()
        assert held == 0
        assert balance == (60 if "post" in outcomes else 100)
        assert (await verify_ledger(session)).ok
