"""Donated coins never come back: the ledger refuses every movement out of a project account."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from service.donations.service import donate
from service.errors import Conflict
from service.ledger.models import Lot, Transfer
from service.ledger.service import TransferRequest
from service.ledger.verify import verify_ledger
from tests.conftest import ledger_for
from tests.integration.donations.conftest import books, funded_resident, new_project
from tests.integration.ledger.helpers import Clock, issue_one, ledger, resident

NOW = dt.datetime(2026, 11, 20, 4, 0, tzinfo=dt.UTC)


async def test_the_ledger_refuses_to_reverse_a_donation_or_move_coins_out_of_a_project(
    database, settings
) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        giver = await funded_resident(session, settings, 50)
        project = await new_project(session, settings)
        donation, _ = await donate(session, settings, giver, project.id, 20, now=NOW)
        book = ledger_for(session, settings)
        wallet = await book.wallet(giver)
        before = await books(session)
        assert project.account_id is not None
        attempts = [
            lambda: book.reverse(donation.transfer_id),
            lambda: book.transfer(TransferRequest(project.account_id, wallet.id, 5, "refund", "take-back")),
            lambda: book.hold(
                TransferRequest(project.account_id, wallet.id, 5, "refund", "hold-back"),
                expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
            ),
        ]
        for attempt in attempts:
            with pytest.raises(Conflict) as refused:
                await attempt()
            assert refused.value.code == "donation_irreversible"
        assert await books(session) == before
        report = await verify_ledger(session)
        assert report.ok, report.as_text()
        assert any(check.name == "projects_never_debited" for check in report.checks)


async def test_verify_reports_a_project_debited_behind_the_ledgers_back(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        giver = await funded_resident(session, settings, 50)
        project = await new_project(session, settings)
        await donate(session, settings, giver, project.id, 20, now=NOW)
        wallet = await ledger_for(session, settings).wallet(giver)
        # What no code path may do: a transfer row out of the project, written by hand.
        session.add(
            Transfer(
                resident_id=wallet.resident_id,
                debit_account_id=project.account_id,
                credit_account_id=wallet.id,
                amount=1,
                kind="forged",
                idempotency_key="forged",
                created_at=NOW,
            )
        )
        await session.flush()
        report = await verify_ledger(session)
        [check] = [c for c in report.checks if c.name == "projects_never_debited"]
        assert check.count == 1
        assert "debits project account" in check.mismatches[0]
        await session.rollback()


async def test_a_donation_spends_the_earliest_expiring_coins_first(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        rid = await resident(session, "13700000077")
        last_year = Clock(dt.datetime(2025, 6, 1, tzinfo=dt.UTC))
        this_year = Clock(dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
        newer = await issue_one(ledger(session, settings, this_year), rid, 30, "newer")
        older = await issue_one(ledger(session, settings, last_year), rid, 30, "older")
        project = await new_project(session, settings)
        await donate(session, settings, rid, project.id, 40, now=NOW)
        left = dict(
            (
                await session.execute(
                    sa.select(Lot.transfer_id, Lot.remaining).execution_options(populate_existing=True)
                )
            ).all()
        )
        assert (left[older.id], left[newer.id]) == (0, 20)
