"""Hypothesis state machine: random credit (CHECKED or FRESH, several in a call) / FRESH with a used key /
spend / refund / hold / post / void / reverse / replay / time / expire / hold-timeout sequences over three
wallets and a merchant, on PostgreSQL and SQLite.

Every outcome, refusals included, is predicted by ``model.ModelLedger``; after every step every account's
balance and held amount and every lot must equal the model's, no guarded balance may be negative, and
``verify_ledger`` must pass. Each example runs in one outer transaction that is rolled back at teardown.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy.exc import IntegrityError

from service.db.engine import Database
from service.errors import DomainError
from service.ledger.models import Account, Lot, LotAllocation, Transfer
from service.ledger.service import Credit, IssueMode, TransferRequest
from service.ledger.verify import verify_ledger
from tests.conftest import make_settings
from tests.fixtures.databases import engine_for, rolled_back
from tests.integration.ledger.helpers import Clock, issue_one, ledger, resident
from tests.integration.ledger.model import ModelHold, ModelLedger, ModelTransfer

WALLETS = 3
START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
credits = st.integers(min_value=1, max_value=150)
# Debits are a share of what the payer has available: mostly affordable, sometimes (> 100 %) not.
shares = st.integers(min_value=1, max_value=115)
picks = st.integers(min_value=0, max_value=255)  # index into a list, modulo its length


class LedgerMachine(RuleBasedStateMachine):
    # Set by the test before it runs the machine: one loop and one engine per dialect, shared by examples.
    runner: ClassVar[asyncio.Runner]
    engine: ClassVar[Any]

    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock(START)
        self.settings = make_settings(Path(tempfile.gettempdir()), None)
        self.stack = contextlib.AsyncExitStack()
        self.db: Database = self.run(self.stack.enter_async_context(rolled_back(self.engine)))
        self.keys = 0
        self.residents, wallets, merchant = self.call(self._accounts)
        self.wallets: list[int] = wallets
        self.merchant: int = merchant
        self.model = ModelLedger(wallets, [merchant])

    async def _accounts(self, book):  # type: ignore[no-untyped-def]
        residents = [await resident(book.session, f"1370000{n:04d}") for n in range(WALLETS)]
        wallets = [(await book.wallet(r)).id for r in residents]
        return residents, wallets, (await book.merchant_account(1)).id

    def run(self, coro: Any) -> Any:
        return self.runner.run(coro)

    def teardown(self) -> None:
        self.run(self.stack.aclose())

    def call(self, operation: Any) -> Any:
        """Run ``operation(ledger)`` in its own session; a refusal is returned, not raised."""

        async def go() -> Any:
            try:
                async with self.db.session() as session:
                    return await operation(ledger(session, self.settings, self.clock))
            except DomainError as refused:
                return refused

        return self.run(go())

    def key(self) -> str:
        self.keys += 1
        return f"m:{self.keys}"

    def refused(self, outcome: object, code: str) -> None:
        assert isinstance(outcome, DomainError), f"expected {code}, got {outcome!r}"
        assert outcome.code == code, f"expected {code}, got {outcome.code}: {outcome.detail}"

    def moved(self, outcome: object) -> Transfer:
        assert isinstance(outcome, Transfer), f"expected a transfer, got {outcome!r}"
        return outcome

    # coins in ---------------------------------------------------------------------------------------
    @rule(
        batch=st.lists(st.tuples(st.integers(0, WALLETS - 1), credits), min_size=1, max_size=4),
        mode=st.sampled_from(IssueMode),
        late=st.sampled_from([0, 0, 0, 200, 500]),
    )
    def credit(self, batch: list[tuple[int, int]], mode: IssueMode, late: int) -> None:
        """Issue coins in either mode (one call, several credits); ``late`` days back dates the earning, so a
        newer lot may expire sooner (or be due). Replays of them go through CHECKED."""
        issued = [Credit(self.residents[who], amount, self.key()) for who, amount in batch]
        now = self.clock.now
        self.clock.now = now - dt.timedelta(days=late)
        try:
            ids = self.call(lambda b: b.issue(issued, mode=mode))
            assert isinstance(ids, list), ids
            transfers = self.call(lambda b: _transfers(b, ids))
            for (who, amount), issue, t in zip(batch, issued, transfers, strict=True):
                assert (t.credit_account_id, t.amount) == (self.wallets[who], amount)
                assert t.idempotency_key == issue.idempotency_key
                self._credited(t, issue)
        finally:
            self.clock.now = now

    def _credited(self, t: Transfer, issue: Credit) -> None:
        def replay(book, bump: int = 0):  # type: ignore[no-untyped-def]
            return issue_one(book, issue.resident_id, issue.amount + bump, issue.idempotency_key)

        credit = ModelTransfer(
            t.id, t.debit_account_id, t.credit_account_id, t.amount, "credit", replay=replay
        )
        self.model.transfer(credit, self.clock.now)

    @precondition(lambda self: any(t.kind == "credit" and t.replay for t in self.model.transfers.values()))
    @rule(pick=picks, amount=credits)
    def fresh_with_a_used_key(self, pick: int, amount: int) -> None:
        """FRESH with a used key (beside a new one) fails on the unique constraint and moves nothing."""
        used = [t for t in self.model.transfers.values() if t.kind == "credit" and t.replay]
        original = used[pick % len(used)]
        key = self.call(lambda b: _key_of(b, original.id))
        who = self.wallets.index(original.credit)
        issued = [Credit(self.residents[who], amount, self.key()), Credit(self.residents[who], amount, key)]
        outcome = self.call(lambda b: _refused_by_the_database(b.issue(issued, mode=IssueMode.FRESH)))
        assert outcome == "unique violation", outcome

    @precondition(lambda self: self.model.balance[self.merchant] > 0)
    @rule(who=st.integers(0, WALLETS - 1), share=shares)
    def refund(self, who: int, share: int) -> None:
        amount = self.share_of(self.merchant, share)
        self._transfer(
            TransferRequest(self.merchant, self.wallets[who], amount, "refund", self.key()), "refund"
        )

    def share_of(self, account: int, share: int) -> int:
        """``share`` % of what ``account`` can spend now (over 100 %: more than it can)."""
        spendable = self.model.takeable(account, self.clock.now) if account in self.wallets else None
        return max(1, (self.model.available(account) if spendable is None else spendable) * share // 100)

    def funded(self) -> list[int]:
        return [w for w in self.wallets if self.model.balance[w] > 0]

    def payer(self, who: int) -> int:
        """The ``who``-th wallet that has coins, so that few steps are wasted on empty wallets."""
        funded = self.funded()
        return funded[who % len(funded)]

    # coins out --------------------------------------------------------------------------------------
    @precondition(lambda self: self.funded())
    @rule(who=st.integers(0, WALLETS - 1), to=st.integers(0, WALLETS), share=shares)
    def spend(self, who: int, to: int, share: int) -> None:
        """Pay the merchant, or (``to`` another wallet) try to give coins to another resident: refused."""
        wallet = self.payer(who)
        target = self.merchant if to == WALLETS or self.wallets[to] == wallet else self.wallets[to]
        amount = self.share_of(wallet, share)
        request = TransferRequest(wallet, target, amount, "charge", self.key())
        if target != self.merchant:
            self.refused(self.call(lambda b: b.transfer(request)), "wallet_to_wallet")
            return
        self._transfer(request, "charge")

    def _transfer(self, request: TransferRequest, kind: str) -> None:
        def replay(book, bump: int = 0):  # type: ignore[no-untyped-def]
            return book.transfer(dataclasses.replace(request, amount=request.amount + bump))

        allowed = self.model.can_debit(request.debit_account_id, request.amount, self.clock.now)
        outcome = self.call(replay)
        if not allowed:
            self.refused(outcome, "insufficient_funds")
            return
        t = self.moved(outcome)
        debit, credit, amount = request.debit_account_id, request.credit_account_id, request.amount
        self.model.transfer(ModelTransfer(t.id, debit, credit, amount, kind, replay=replay), self.clock.now)

    # two-phase --------------------------------------------------------------------------------------
    @precondition(lambda self: self.funded())
    @rule(
        who=st.integers(0, WALLETS - 1),
        to=st.integers(0, WALLETS),
        share=shares,
        hours=st.one_of(st.integers(1, 48), st.integers(1, 24 * 500)),
    )
    def hold(self, who: int, to: int, share: int, hours: int) -> None:
        wallet = self.payer(who)
        amount = self.share_of(wallet, share)
        target = self.merchant if to == WALLETS or self.wallets[to] == wallet else self.wallets[to]
        request = TransferRequest(wallet, target, amount, "voucher", self.key())
        expires = self.clock.now + dt.timedelta(hours=hours)
        allowed = self.model.can_debit(wallet, amount, self.clock.now)
        outcome = self.call(lambda b: b.hold(request, expires_at=expires))
        if target != self.merchant:
            self.refused(outcome, "wallet_to_wallet")
            return
        if not allowed:
            self.refused(outcome, "insufficient_funds")
            return
        assert not isinstance(outcome, DomainError), outcome
        self.model.hold(ModelHold(outcome.id, wallet, target, amount, expires, []), self.clock.now)

    def pending_holds(self) -> list[ModelHold]:
        return [h for h in self.model.holds.values() if h.state == "pending"]

    def _pick_hold(self, pick: int) -> ModelHold:
        """Mostly a pending hold (settling those is the interesting part), sometimes any hold."""
        pending, holds = self.pending_holds(), list(self.model.holds.values())
        choices = pending if pick % 4 else holds
        return choices[pick // 4 % len(choices)]

    @precondition(lambda self: self.pending_holds())
    @rule(pick=picks)
    def post(self, pick: int) -> None:
        hold = self._pick_hold(pick)
        outcome = self.call(lambda b: b.post(hold.id))
        if hold.state == "voided":
            self.refused(outcome, "hold_voided")
        elif hold.state == "posted":
            assert self.moved(outcome).id == hold.transfer
        elif self.clock.now >= hold.expires:
            self.refused(outcome, "hold_expired")
        else:
            self.model.post(hold, self.moved(outcome).id, self.clock.now)

    @precondition(lambda self: self.pending_holds())
    @rule(pick=picks)
    def void(self, pick: int) -> None:
        hold = self._pick_hold(pick)
        outcome = self.call(lambda b: b.void(hold.id))
        if hold.state == "posted":
            self.refused(outcome, "hold_posted")
            return
        assert getattr(outcome, "status", None) == "voided", outcome
        if hold.state == "pending":
            self.model.void(hold)

    # corrections and replays ------------------------------------------------------------------------
    @precondition(lambda self: self.model.transfers)
    @rule(pick=picks)
    def reverse(self, pick: int) -> None:
        originals = list(self.model.transfers.values())
        original = originals[pick % len(originals)]
        prefer = original.id if original.id in self.model.lots else None
        allowed = self.model.can_debit(original.credit, original.amount, self.clock.now, prefer)
        outcome = self.call(lambda b: b.reverse(original.id))
        if original.reverses is not None:
            self.refused(outcome, "cannot_reverse_reversal")
        elif original.reversed_by is not None:
            assert self.moved(outcome).id == original.reversed_by
        elif not allowed:
            self.refused(outcome, "insufficient_funds")
        else:
            t = self.moved(outcome)
            assert (t.reverses_id, t.debit_account_id, t.credit_account_id) == (
                original.id,
                original.credit,
                original.debit,
            )
            mirror = ModelTransfer(
                t.id, original.credit, original.debit, original.amount, "reversal", reverses=original.id
            )
            self.model.transfer(mirror, self.clock.now, prefer=prefer)
            original.reversed_by = t.id

    @precondition(lambda self: any(t.replay for t in self.model.transfers.values()))
    @rule(pick=picks, conflicting=st.booleans())
    def replay(self, pick: int, conflicting: bool) -> None:
        """The same key again: the same request returns the original, a different amount is refused."""
        replayable = [t for t in self.model.transfers.values() if t.replay]
        original = replayable[pick % len(replayable)]
        outcome = self.call(lambda b: original.replay(b, bump=int(conflicting)))  # type: ignore[misc]
        if conflicting:
            self.refused(outcome, "idempotency_conflict")
        else:
            assert self.moved(outcome).id == original.id

    # time -------------------------------------------------------------------------------------------
    @rule(hours=st.integers(1, 24 * 200))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @precondition(lambda self: any(lot.free > 0 for lot in self.model.lots.values()))
    @rule(pick=picks, past=st.sampled_from([dt.timedelta(0), dt.timedelta(seconds=1), dt.timedelta(days=40)]))
    def expire(self, pick: int, past: dt.timedelta) -> None:
        """Move the clock to (or just past) a lot's expiry, then sweep expired lots."""
        upcoming = sorted({lot.expires for lot in self.model.lots.values() if lot.expires > self.clock.now})
        if upcoming:
            self.clock.now = upcoming[pick % len(upcoming)].astimezone(dt.UTC) + past
        due = self.model.due_lots(self.clock.now)
        assert self.call(lambda b: b.expire_lots()) == sum(due.values())
        swept = self.call(self._new_expiries)
        assert {lot: coins for lot, _, _, coins in swept} == due
        for lot, transfer_id, (debit, sink), coins in swept:
            assert debit == self.model.lots[lot].wallet
            self.model.expire(ModelTransfer(transfer_id, debit, sink, coins, "expiry"), lot)
        assert self.call(lambda b: b.expire_lots()) == 0

    async def _new_expiries(self, book):  # type: ignore[no-untyped-def]
        rows = await book.session.execute(
            sa.select(
                Lot.transfer_id,
                Transfer.id,
                Transfer.debit_account_id,
                Transfer.credit_account_id,
                Transfer.amount,
            )
            .join(LotAllocation, LotAllocation.transfer_id == Transfer.id)
            .join(Lot, Lot.id == LotAllocation.lot_id)
            .where(Transfer.kind == "expiry", Transfer.id.not_in(list(self.model.transfers) or [0]))
        )
        return [(lot, tid, (debit, credit), amount) for lot, tid, debit, credit, amount in rows]

    @precondition(lambda self: self.pending_holds())
    @rule()
    def void_expired_holds(self) -> None:
        due = self.model.due_holds(self.clock.now)
        assert self.call(lambda b: b.void_expired_holds()) == len(due)
        for hold in due:
            self.model.void(hold)
        assert self.call(lambda b: b.void_expired_holds()) == 0

    # after every step -------------------------------------------------------------------------------
    @invariant()
    def books_match_the_model(self) -> None:
        accounts, lots, report = self.call(self._observe)
        for account, kind, balance, held in accounts:
            assert (balance, held) == (self.model.balance[account], self.model.held[account]), account
            if kind in ("wallet", "merchant"):
                assert balance - held >= 0
                assert held >= 0
        expected = {
            key: (lot.wallet, lot.remaining, lot.held, lot.expires) for key, lot in self.model.lots.items()
        }
        assert lots == expected
        assert report.ok, report.as_text()

    async def _observe(self, book):  # type: ignore[no-untyped-def]
        session = book.session
        accounts = (
            await session.execute(sa.select(Account.id, Account.kind, Account.balance, Account.held))
        ).all()
        rows = await session.execute(
            sa.select(Lot.transfer_id, Lot.account_id, Lot.remaining, Lot.held, Lot.expires_at)
        )
        lots = {key: (wallet, remaining, held, expires) for key, wallet, remaining, held, expires in rows}
        return accounts, lots, await verify_ledger(session)


async def _transfers(book, ids: list[int]) -> list[Transfer]:  # type: ignore[no-untyped-def]
    rows = (await book.session.scalars(sa.select(Transfer).where(Transfer.id.in_(ids)))).all()
    by_id = {t.id: t for t in rows}
    return [by_id[i] for i in ids]


async def _key_of(book, transfer_id: int) -> str:  # type: ignore[no-untyped-def]
    return await book.session.scalar(sa.select(Transfer.idempotency_key).where(Transfer.id == transfer_id))


async def _refused_by_the_database(call: Any) -> str:
    try:
        await call
    except IntegrityError:
        return "unique violation"
    return "issued"


@pytest.fixture(params=["postgres", "sqlite"])
def machine_engine(request: pytest.FixtureRequest, pg_url: str, sqlite_url: str):  # type: ignore[no-untyped-def]
    """A private loop and engine for the machine: the test is sync, hypothesis drives it step by step."""
    runner = asyncio.Runner(loop_factory=asyncio.new_event_loop)  # leaves the thread's loop alone
    LedgerMachine.runner = runner
    LedgerMachine.engine = runner.run(_engine(pg_url if request.param == "postgres" else sqlite_url))
    yield request.param
    runner.run(LedgerMachine.engine.dispose())
    runner.close()


async def _engine(url: str):  # type: ignore[no-untyped-def]
    return engine_for(url)  # made inside the runner's loop, so its connections belong to it


def test_ledger_state_machine(machine_engine: str) -> None:
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
