"""Property: any sequence of donations, retries, refusals, closings and take-back attempts conserves coins.

After every step: wallets plus projects hold exactly the coins issued; each project's balance is the sum of
its donations; no wallet is below zero; ``ledger verify`` is green.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from service.donations.models import Donation, WelfareProject
from service.donations.projects import update_project
from service.donations.service import donate
from service.errors import DomainError
from service.ledger.models import Account
from service.ledger.verify import verify_ledger
from tests.conftest import ledger_for
from tests.integration.donations.conftest import books, funded_resident, new_project

NOW = dt.datetime(2026, 11, 20, 4, 0, tzinfo=dt.UTC)
FUNDS = (40, 25, 0)

steps = st.lists(
    st.one_of(
        # (op, resident, project, coins, key): a key from a small set, so retries and conflicts happen
        st.tuples(
            st.just("donate"),
            st.integers(0, 2),
            st.integers(0, 1),
            st.integers(1, 30),
            st.sampled_from([None, None, "k1", "k2"]),
        ),
        st.tuples(st.just("toggle"), st.just(0), st.integers(0, 1), st.just(0), st.just(None)),
        st.tuples(st.just("take_back"), st.integers(0, 20), st.just(0), st.just(0), st.just(None)),
    ),
    max_size=20,
)


@hyp_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
async def test_any_sequence_conserves_coins(database, settings, steps) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        residents = [
            await funded_resident(session, settings, coins, tag=f"d{n}") for n, coins in enumerate(FUNDS)
        ]
        projects = [(await new_project(session, settings, name=f"p{n}")).id for n in range(2)]
        start = await books(session)
        issued = start["wallets"] + start["projects"]
        for op, who, which, coins, key in steps:
            try:
                if op == "donate":
                    await donate(
                        session, settings, residents[who], projects[which], coins, client_key=key, now=NOW
                    )
                elif op == "toggle":
                    project = await session.get(WelfareProject, projects[which])
                    assert project is not None
                    await update_project(session, project.id, {"active": not project.active}, "test", NOW)
                else:
                    transfer_ids = (await session.scalars(sa.select(Donation.transfer_id))).all()
                    if transfer_ids:
                        await ledger_for(session, settings).reverse(transfer_ids[who % len(transfer_ids)])
            except DomainError:
                pass  # refused: its savepoint rolled back, nothing may have changed
            await _check(session, issued)
        await session.rollback()


async def _check(session, issued: int) -> None:  # type: ignore[no-untyped-def]
    now = await books(session)
    assert now["wallets"] + now["projects"] == issued
    assert now["projects"] == now["donated"]
    per_project = dict(
        (
            await session.execute(
                sa.select(Donation.project_id, sa.func.sum(Donation.coins)).group_by(Donation.project_id)
            )
        ).all()
    )
    balances = dict(
        (
            await session.execute(
                sa.select(WelfareProject.id, Account.balance)
                .join(Account, Account.id == WelfareProject.account_id)
                .execution_options(populate_existing=True)
            )
        ).all()
    )
    assert {pid: b for pid, b in balances.items() if b} == {pid: int(s) for pid, s in per_project.items()}
    negative = await session.scalar(
        sa.select(sa.func.count())
        .select_from(Account)
        .where(Account.balance - Account.held < 0, Account.kind != "issuance")
    )
    assert negative == 0
    report = await verify_ledger(session)
    assert report.ok, report.as_text()
