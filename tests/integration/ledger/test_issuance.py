"""``Ledger.issue`` in its two modes, on PostgreSQL and SQLite.

FRESH writes exactly the rows CHECKED writes for the same credits (transfers, idempotency records, lots,
both balances); FRESH with a key already used fails on the unique constraint and moves nothing; CHECKED
replays return the first transfer, also for keys FRESH issued; ``ledger verify`` holds throughout. The
property test checks the first claim for random lists of credits.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import IntegrityError

from service.errors import IdempotencyConflict
from service.ledger.models import Account, IdempotencyRecord, Lot, Transfer
from service.ledger.service import MAX_AMOUNT, Credit, IssueMode, TransferRequest
from service.ledger.verify import verify_ledger
from service.settings import Settings
from tests.conftest import make_settings
from tests.fixtures.databases import engine_for, rolled_back
from tests.integration.ledger.helpers import Clock, balance_of, ledger, resident, snapshot, transfer_count

EARNED = dt.datetime(2026, 6, 1, 9, 30, tzinfo=dt.UTC)


async def written(session) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The ledger's rows, named by account code and idempotency key instead of ids (which differ by run).

    An idempotency record's ``created_at`` is left out: it says when the key was claimed (the database's
    clock under CHECKED, the ledger's under FRESH), not what was issued.
    """
    code = dict((await session.execute(sa.select(Account.id, Account.code))).all())
    accounts = await session.execute(sa.select(Account.code, Account.kind, Account.balance, Account.held))
    fresh = {"populate_existing": True}  # ORM objects loaded earlier may predate the UPDATEs
    transfers = (await session.scalars(sa.select(Transfer).execution_options(**fresh))).all()
    key_of = {t.id: t.idempotency_key for t in transfers}
    records = (await session.scalars(sa.select(IdempotencyRecord).execution_options(**fresh))).all()
    lots = (await session.scalars(sa.select(Lot).execution_options(**fresh))).all()
    return {
        "accounts": {c: (kind, balance, held) for c, kind, balance, held in accounts},
        "transfers": {
            t.idempotency_key: (
                code[t.debit_account_id],
                code[t.credit_account_id],
                t.amount,
                t.kind,
                t.reference,
                t.reverses_id,
                t.hold_id,
                t.created_at,
            )
            for t in transfers
        },
        "records": {
            r.key: (r.fingerprint, r.operation, key_of.get(r.transfer_id or 0), r.hold_id) for r in records
        },
        "lots": {
            key_of[lot.transfer_id]: (
                code[lot.account_id],
                lot.amount,
                lot.remaining,
                lot.held,
                lot.expires_at,
                lot.created_at,
            )
            for lot in lots
        },
    }


async def both_modes(session, app_settings: Settings, credits: list[Credit]) -> tuple[Any, Any]:  # type: ignore[no-untyped-def]
    """The rows after issuing ``credits`` CHECKED (then rolled back) and after issuing them FRESH."""
    book = ledger(session, app_settings, Clock(EARNED))
    async with session.begin_nested() as checked_run:
        checked_ids = await book.issue(credits, mode=IssueMode.CHECKED)
        checked = await written(session)
        await checked_run.rollback()
    fresh_ids = await book.issue(credits, mode=IssueMode.FRESH)
    fresh = await written(session)
    assert len(checked_ids) == len(fresh_ids) == len(credits)
    assert {c.idempotency_key for c in credits} <= set(checked["transfers"])
    return checked, fresh


async def _residents(session, app_settings: Settings, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    """Residents whose wallets exist, and every issuance account: ids made inside a run would differ between
    the runs (PostgreSQL's sequences do not roll back), and with them the shards and the fingerprints."""
    rids = [await resident(session, f"1371000{n:04d}") for n in range(count)]
    book = ledger(session, app_settings)
    for rid in rids:
        await book.wallet(rid)
    for shard in range(app_settings.ledger.issuance_shards):
        await book.issuance_account(shard)
    return rids


async def test_fresh_writes_exactly_the_rows_checked_writes(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        a, b, c = await _residents(session, settings, 3)
        # An earlier credit of a's: FRESH adds to existing balances and lots, as CHECKED does.
        await ledger(session, settings).issue([Credit(a, 4, "earlier")])
        credits = [
            Credit(a, 30, "action:1", "action:1"),
            Credit(b, 12, "action:2"),
            Credit(a, 5, "demo:welcome:a", "demo welcome coins", "demo_credit"),
            Credit(c, MAX_AMOUNT, "action:3"),
        ]
        checked, fresh = await both_modes(session, settings, credits)
        assert fresh == checked
        assert len(fresh["lots"]) == 5
        assert fresh["accounts"][f"wallet:{a}"] == ("wallet", 39, 0)
        assert (await verify_ledger(session)).ok


async def test_fresh_creates_the_accounts_it_needs(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        rids = [await resident(session, f"1371100{n:04d}") for n in range(3)]
        ids = await book.issue(
            [Credit(r, 10 + n, f"new:{n}") for n, r in enumerate(rids)], mode=IssueMode.FRESH
        )
        for n, rid in enumerate(rids):
            assert await balance_of(session, (await book.wallet(rid)).id) == (10 + n, 0)
        issued = await session.scalar(
            sa.select(sa.func.sum(Account.balance)).where(Account.kind == "issuance")
        )
        assert issued == -(10 + 11 + 12)
        assert len(set(ids)) == 3
        assert (await verify_ledger(session)).ok


async def test_an_empty_list_issues_nothing(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        before = await snapshot(session)
        for mode in IssueMode:
            assert await ledger(session, settings).issue([], mode=mode) == []
        assert await snapshot(session) == before


async def _use(book, rid: int, how: str) -> None:  # type: ignore[no-untyped-def]
    """Use the key ``used`` the way ``how`` says."""
    if how == "checked":
        await book.issue([Credit(rid, 7, "used")], mode=IssueMode.CHECKED)
    elif how == "fresh":
        await book.issue([Credit(rid, 7, "used")], mode=IssueMode.FRESH)
    else:  # a hold: the key names an idempotency record but no transfer
        wallet, shop = (await book.wallet(rid)).id, (await book.merchant_account(1)).id
        await book.issue([Credit(rid, 9, "seed")])
        await book.hold(
            TransferRequest(wallet, shop, 3, "voucher", "used"), expires_at=EARNED + dt.timedelta(1)
        )


@pytest.mark.parametrize("how", ["checked", "fresh", "hold", "same call"])
async def test_fresh_with_a_used_key_raises_and_moves_nothing(database, settings, how) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings, Clock(EARNED))
        rid, other = await resident(session), await resident(session, "13711119999")
        if how != "same call":
            await _use(book, rid, how)
        before = await snapshot(session)
        credits = [Credit(other, 5, "new"), Credit(rid, 7, "used")]
        if how == "same call":
            credits.append(Credit(rid, 7, "used"))
        with pytest.raises(IntegrityError):
            await book.issue(credits, mode=IssueMode.FRESH)
        assert await snapshot(session) == before, "the savepoint took every row of the call back"
        # The caller's transaction carries on: the new credit alone goes through.
        await book.issue([Credit(other, 5, "new")], mode=IssueMode.FRESH)
        assert await balance_of(session, (await book.wallet(other)).id) == (5, 0)
        assert (await verify_ledger(session)).ok


@pytest.mark.parametrize("first", list(IssueMode))
async def test_checked_replays_return_the_first_transfer(database, settings, first) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        book = ledger(session, settings)
        a, b = await resident(session), await resident(session, "13711118888")
        credits = [Credit(a, 20, "action:1", "action:1"), Credit(b, 3, "action:2")]
        ids = await book.issue(credits, mode=first)
        after = await snapshot(session)
        for _ in range(2):
            assert await book.issue(credits, mode=IssueMode.CHECKED) == ids
            assert await book.issue(credits[::-1]) == ids[::-1]
        assert await snapshot(session) == after
        with pytest.raises(IdempotencyConflict):
            await book.issue([Credit(a, 21, "action:1", "action:1")])
        with pytest.raises(IdempotencyConflict):  # the kind is part of the request too
            await book.issue([Credit(a, 20, "action:1", "action:1", "demo_credit")])
        assert await snapshot(session) == after
        assert await transfer_count(session) == 2
        assert (await verify_ledger(session)).ok


# property: FRESH and CHECKED agree on any list of credits -------------------------------------------------
RESIDENTS = 4
credit_lists = st.lists(
    st.tuples(
        st.integers(0, RESIDENTS - 1),
        st.one_of(st.integers(1, 500), st.integers(1, MAX_AMOUNT)),
        st.sampled_from([None, "action", "demo welcome coins"]),
        st.sampled_from(["credit", "credit", "demo_credit"]),
    ),
    max_size=12,
)


@pytest.fixture(params=["postgres", "sqlite"])
def own_engine(request: pytest.FixtureRequest, pg_url: str, sqlite_url: str) -> Iterator[tuple[Any, Any]]:
    """A private loop and engine: hypothesis drives the sync test, one example at a time."""
    runner = asyncio.Runner(loop_factory=asyncio.new_event_loop)
    engine = runner.run(_engine(pg_url if request.param == "postgres" else sqlite_url))
    yield runner, engine
    runner.run(engine.dispose())
    runner.close()


async def _engine(url: str):  # type: ignore[no-untyped-def]
    return engine_for(url)  # made inside the runner's loop, so its connections belong to it


def test_fresh_and_checked_give_identical_books_for_any_credits(own_engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner, engine = own_engine
    app_settings = make_settings(tmp_path, None)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(credit_lists, st.lists(st.integers(1, 50), min_size=RESIDENTS, max_size=RESIDENTS))
    def check(drawn: list[tuple[int, int, str | None, str]], earlier: list[int]) -> None:
        runner.run(_compare(engine, app_settings, drawn, earlier))

    check()


async def _compare(engine, app_settings, drawn, earlier) -> None:  # type: ignore[no-untyped-def]
    async with rolled_back(engine) as database, database.session() as session:
        rids = await _residents(session, app_settings, RESIDENTS)
        # Some wallets hold coins and lots already; one may not (an amount of 50 stands for "none").
        book = ledger(session, app_settings, Clock(EARNED - dt.timedelta(days=400)))
        await book.issue([Credit(r, n, f"earlier:{r}") for r, n in zip(rids, earlier, strict=True) if n < 50])
        credits = [
            Credit(rids[who], amount, f"k:{n}", reference, kind)
            for n, (who, amount, reference, kind) in enumerate(drawn)
        ]
        checked, fresh = await both_modes(session, app_settings, credits)
        assert fresh["accounts"] == checked["accounts"], "balances"
        assert fresh["lots"] == checked["lots"], "lots"
        assert fresh == checked
        assert (await verify_ledger(session)).ok
