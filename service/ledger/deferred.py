"""Deferred issuance: in a batch transaction, debit the issuance accounts once, just before commit.

Every credit debits an issuance account. Updated per credit, those few rows stay locked from the first
credit of a batch until its commit, so concurrent batches queue behind each other. Issuance accounts are
unguarded sources (they may go negative), so nothing needs their balance before the commit: a session in
deferred mode skips those updates, remembers the transfers, and in ``before_commit`` applies one UPDATE per
account for the transfers that still exist (those rolled back with a savepoint are gone, so they count
nothing). ``verify_ledger`` applies pending amounts first, so a check inside the transaction is exact.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from service.ledger.models import Account, Transfer

PENDING = "tanbi_deferred_issuance"


def defer_issuance(session: AsyncSession) -> None:
    """Put ``session`` in deferred-issuance mode (for the rest of its life)."""
    if PENDING in session.info:
        return
    session.info[PENDING] = []
    event.listen(session.sync_session, "before_commit", _apply_before_commit)


def is_deferring(session: AsyncSession) -> bool:
    return PENDING in session.info


def remember(session: AsyncSession, transfer_id: int) -> None:
    session.info[PENDING].append(transfer_id)


async def apply_pending(session: AsyncSession) -> None:
    await session.run_sync(_apply)


def _apply_before_commit(session: Session) -> None:
    # SQLAlchemy fires before_commit for savepoints too: only the real commit applies the pending debits.
    # The listener stays for the session's life: later transactions of it are deferred the same way.
    if session.in_nested_transaction():
        return
    _apply(session)


def _apply(session: Session) -> None:
    ids = session.info.get(PENDING)
    if not ids:
        return
    rows = session.execute(
        sa.select(Transfer.debit_account_id, Transfer.amount).where(Transfer.id.in_(ids))
    ).all()
    totals: dict[int, int] = defaultdict(int)
    for account_id, amount in rows:
        totals[account_id] += amount
    for account_id in sorted(totals):
        session.execute(
            sa.update(Account)
            .where(Account.id == account_id)
            .values(balance=Account.balance - totals[account_id])
        )
    ids.clear()
