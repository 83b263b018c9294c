"""Hypothesis state machine: random credit / spend / hold / post / void / reverse / expire sequences keep
every invariant ``ledger verify`` checks, no guarded balance goes negative, and balances match a model.

Runs on PostgreSQL and SQLite; each example lives in one outer transaction that is rolled back.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from service.errors import Conflict, InsufficientFunds
from service.ledger.models import Account
from service.ledger.service import TransferRequest
from service.ledger.verify import verify_ledger
from tests.conftest import make_settings
from tests.fixtures.databases import engine_for
from tests.integration.ledger.helpers import Clock, ledger, resident

WALLETS = 3
amounts = st.integers(min_value=1, max_value=120)


class LedgerMachine(RuleBasedStateMachine):
    url: ClassVar[str]
    runner: ClassVar[asyncio.Runner]
    engine: ClassVar[Any]

    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock(dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
        self.settings = make_settings(Path(tempfile.gettempdir()), None)
        self.connection, self.outer = self.run(self._open())
        self.balance: dict[int, int] = {}
        self.held: dict[int, int] = {}
        self.holds: list[dict[str, Any]] = []
        self.transfers: list[dict[str, Any]] = []
        self.keys = 0
        self.expiry_reached = False

    async def _open(self) -> tuple[Any, Any]:
        connection = await self.engine.connect()
        return connection, await connection.begin()

    def run(self, coro: Any) -> Any:
        return self.runner.run(coro)

    def teardown(self) -> None:
        self.run(self.outer.rollback())
        self.run(self.connection.close())

    async def _session(self):  # type: ignore[no-untyped-def]
        from sqlalchemy.ext.asyncio import AsyncSession

        return AsyncSession(
            bind=self.connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )

    def book_call(self, operation: Any) -> Any:
        async def go() -> Any:
            session = await self._session()
            try:
                result = await operation(ledger(session, self.settings, self.clock))
                await session.commit()
                return result
            finally:
                await session.close()

        return self.run(go())

    def key(self) -> str:
        self.keys += 1
        return f"m:{self.keys}"

    @initialize()
    def accounts(self) -> None:
        async def make(book):  # type: ignore[no-untyped-def]
            residents = [await resident(book.session, f"1370000{n:04d}") for n in range(WALLETS)]
            wallets = [(await book.wallet(r)).id for r in residents]
            return residents, wallets, (await book.merchant_account(1)).id

        self.residents, self.wallets, self.merchant = self.book_call(make)
        for account in [*self.wallets, self.merchant]:
            self.balance[account], self.held[account] = 0, 0

    def available(self, account: int) -> int:
        return self.balance[account] - self.held[account]

    def moved(self, debit: int, credit: int, amount: int) -> None:
        self.balance.setdefault(debit, 0)
        self.balance.setdefault(credit, 0)
        self.balance[debit] -= amount
        self.balance[credit] += amount

    @rule(who=st.integers(0, WALLETS - 1), amount=amounts)
    def credit(self, who: int, amount: int) -> None:
        key = self.key()
        t = self.book_call(lambda b: b.issue(self.residents[who], amount, kind="credit", idempotency_key=key))
        self.moved(t.debit_account_id, t.credit_account_id, amount)
        self.transfers.append(
            {"id": t.id, "debit": t.debit_account_id, "credit": t.credit_account_id, "amount": amount}
        )

    @rule(who=st.integers(0, WALLETS - 1), amount=amounts)
    def spend(self, who: int, amount: int) -> None:
        wallet = self.wallets[who]
        request = TransferRequest(wallet, self.merchant, amount, "charge", self.key())
        try:
            t = self.book_call(lambda b: b.transfer(request))
        except InsufficientFunds:
            assert self.available(wallet) < amount or self.expiry_reached
            return
        assert amount <= self.available(wallet)
        self.moved(wallet, self.merchant, amount)
        self.transfers.append({"id": t.id, "debit": wallet, "credit": self.merchant, "amount": amount})

    @rule(who=st.integers(0, WALLETS - 1), amount=amounts, hours=st.integers(1, 24 * 400))
    def hold(self, who: int, amount: int, hours: int) -> None:
        wallet = self.wallets[who]
        request = TransferRequest(wallet, self.merchant, amount, "voucher", self.key())
        expires = self.clock.now + dt.timedelta(hours=hours)
        try:
            h = self.book_call(lambda b: b.hold(request, expires_at=expires))
        except InsufficientFunds:
            assert self.available(wallet) < amount or self.expiry_reached
            return
        self.held[wallet] += amount
        self.holds.append(
            {"id": h.id, "wallet": wallet, "amount": amount, "expires": expires, "state": "pending"}
        )

    @rule(data=st.data())
    def post(self, data: st.DataObject) -> None:
        if not self.holds:
            return
        hold = data.draw(st.sampled_from(self.holds))
        try:
            self.book_call(lambda b: b.post(hold["id"]))
        except Conflict as refused:
            expected = {"voided": "hold_voided"}.get(hold["state"], "hold_expired")
            assert refused.code == expected
            return
        assert hold["state"] in ("pending", "posted")
        if hold["state"] == "pending":
            hold["state"] = "posted"
            self.held[hold["wallet"]] -= hold["amount"]
            self.moved(hold["wallet"], self.merchant, hold["amount"])

    @rule(data=st.data())
    def void(self, data: st.DataObject) -> None:
        if not self.holds:
            return
        hold = data.draw(st.sampled_from(self.holds))
        try:
            self.book_call(lambda b: b.void(hold["id"]))
        except Conflict as refused:
            assert (hold["state"], refused.code) == ("posted", "hold_posted")
            return
        if hold["state"] == "pending":
            hold["state"] = "voided"
            self.held[hold["wallet"]] -= hold["amount"]

    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        if not self.transfers:
            return
        original = data.draw(st.sampled_from(self.transfers))
        try:
            self.book_call(lambda b: b.reverse(original["id"]))
        except InsufficientFunds:
            assert self.available(original["credit"]) < original["amount"] or self.expiry_reached
            return
        if not original.get("reversed"):
            original["reversed"] = True
            self.moved(original["credit"], original["debit"], original["amount"])

    @rule(days=st.integers(1, 900))
    def time_passes(self, days: int) -> None:
        self.clock.advance(days=days)
        self.expiry_reached = True
        voided = self.book_call(lambda b: b.void_expired_holds())
        due = [h for h in self.holds if h["state"] == "pending" and h["expires"] <= self.clock.now]
        assert voided == len(due)
        for hold in due:
            hold["state"] = "voided"
            self.held[hold["wallet"]] -= hold["amount"]
        expired = self.book_call(lambda b: b.expire_lots())
        observed = self.read_balances()
        drop = sum(self.balance[w] - observed[w][0] for w in self.wallets)
        assert drop == expired
        for wallet in self.wallets:
            self.balance[wallet] = observed[wallet][0]

    def read_balances(self) -> dict[int, tuple[int, int]]:
        async def read(book):  # type: ignore[no-untyped-def]
            rows = await book.session.execute(sa.select(Account.id, Account.balance, Account.held))
            return {a: (b, h) for a, b, h in rows}

        return self.book_call(read)

    @invariant()
    def books_balance(self) -> None:
        if not hasattr(self, "wallets"):
            return
        observed = self.read_balances()
        for account in [*self.wallets, self.merchant]:
            assert observed[account] == (self.balance[account], self.held[account])
            assert observed[account][0] - observed[account][1] >= 0
        report = self.book_call(lambda b: verify_ledger(b.session))
        assert report.ok, report.as_text()


@pytest.mark.parametrize("dialect", ["postgres", "sqlite"])
def test_ledger_state_machine(dialect: str, pg_url: str, sqlite_url: str) -> None:
    runner = asyncio.Runner()
    LedgerMachine.runner = runner
    LedgerMachine.engine = runner.run(_engine(pg_url if dialect == "postgres" else sqlite_url))
    try:
        run_state_machine_as_test(
            LedgerMachine,
            settings=settings(
                max_examples=25,
                stateful_step_count=20,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        runner.run(LedgerMachine.engine.dispose())
        runner.close()


async def _engine(url: str):  # type: ignore[no-untyped-def]
    return engine_for(url)
