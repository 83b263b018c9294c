"""Helpers for ledger tests: a movable clock, residents, credits, balances, lots, whole-ledger snapshots."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from service.identity.repository import IdentityRepository
from service.ledger.models import Account, Hold, IdempotencyRecord, Lot, LotAllocation, Transfer
from service.ledger.service import Credit, IssueMode, Ledger
from service.settings import Settings

LEDGER_TABLES = (Account, Transfer, Hold, Lot, LotAllocation, IdempotencyRecord)


@dataclass
class Clock:
    """An injectable clock: tests move time by hand instead of waiting."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 11, 20, 4, 0, tzinfo=dt.UTC))

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


async def resident(session, phone: str = "13700000001") -> int:  # type: ignore[no-untyped-def]
    row = await IdentityRepository(session).ensure_resident_by_phone_hash(
        f"ledger-{phone}", dt.datetime.now(dt.UTC)
    )
    return row.id


def ledger(session, settings: Settings, clock: Clock | None = None) -> Ledger:  # type: ignore[no-untyped-def]
    return Ledger(session, settings.ledger, settings.zone, clock=clock or Clock())


async def issue_one(
    book: Ledger,
    resident_id: int,
    amount: int,
    key: str,
    reference: str | None = None,
    *,
    kind: str = "credit",
    mode: IssueMode = IssueMode.CHECKED,
) -> Transfer:
    """One credit through ``Ledger.issue``, and the transfer it wrote (for a replayed key: the first one)."""
    [transfer_id] = await book.issue([Credit(resident_id, amount, key, reference, kind)], mode=mode)
    transfer = await book.session.get(Transfer, transfer_id)
    assert transfer is not None
    return transfer


async def balances(session) -> dict[str, tuple[int, int]]:  # type: ignore[no-untyped-def]
    """Every account's ``(balance, held)`` by code, read fresh from the database."""
    rows = await session.execute(
        sa.select(Account.code, Account.balance, Account.held).execution_options(populate_existing=True)
    )
    return {code: (balance, held) for code, balance, held in rows}


async def balance_of(session, account_id: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    row = (
        await session.execute(
            sa.select(Account.balance, Account.held)
            .where(Account.id == account_id)
            .execution_options(populate_existing=True)
        )
    ).one()
    return row[0], row[1]


async def transfer_count(session, **where: Any) -> int:  # type: ignore[no-untyped-def]
    stmt = sa.select(sa.func.count()).select_from(Transfer).filter_by(**where)
    return await session.scalar(stmt) or 0


async def row_counts(session) -> dict[str, int]:  # type: ignore[no-untyped-def]
    counts = {}
    for model in LEDGER_TABLES:
        counts[model.__tablename__] = await session.scalar(sa.select(sa.func.count()).select_from(model))
    return counts


async def lots(session, account_id: int | None = None) -> dict[int, tuple[int, int]]:  # type: ignore[no-untyped-def]
    """``{transfer id that opened the lot: (remaining, held)}``, read fresh."""
    stmt = sa.select(Lot).order_by(Lot.id).execution_options(populate_existing=True)
    if account_id is not None:
        stmt = stmt.where(Lot.account_id == account_id)
    return {lot.transfer_id: (lot.remaining, lot.held) for lot in (await session.scalars(stmt)).all()}


async def lot_of(session, transfer_id: int) -> Lot:  # type: ignore[no-untyped-def]
    lot = await session.scalar(
        sa.select(Lot).where(Lot.transfer_id == transfer_id).execution_options(populate_existing=True)
    )
    assert lot is not None, f"transfer {transfer_id} opened no lot"
    return lot


async def snapshot(session) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    """Everything a refused operation must leave as it was."""
    return await balances(session), await row_counts(session), await lots(session)
