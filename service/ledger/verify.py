"""``tanbi ledger verify``: recompute the books from the transfers and compare with what is stored.

Every check is one aggregate query, so it reads each table once whatever the size of the ledger.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from service.ledger.models import (
    Account,
    AccountKind,
    Hold,
    HoldStatus,
    IdempotencyRecord,
    Lot,
    Transfer,
    TransferKey,
)

MAX_LISTED = 20  # mismatches listed per check; the count is always exact


@dataclass
class Check:
    name: str
    description: str
    mismatches: list[str] = field(default_factory=list)
    count: int = 0

    @property
    def ok(self) -> bool:
        return self.count == 0

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "description": self.description,
            "ok": self.ok,
            "mismatch_count": self.count,
            "mismatches": self.mismatches,
        }


@dataclass
class Report:
    checks: list[Check]
    accounts: int
    transfers: int

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "accounts": self.accounts,
            "transfers": self.transfers,
            "checks": [check.as_dict() for check in self.checks],
        }

    def as_text(self) -> str:
        heading = f"ledger: {self.accounts} accounts, {self.transfers} transfers"
        return report_text("ledger", heading, self.checks)


def report_text(name: str, heading: str, checks: list[Check]) -> str:
    """A verification report for a person: each check, its listed mismatches, and the verdict."""
    lines = [heading]
    for check in checks:
        lines.append(f"[{'ok' if check.ok else 'FAIL'}] {check.description}")
        lines.extend(f"    {m}" for m in check.mismatches)
        if check.count > len(check.mismatches):
            lines.append(f"    ... and {check.count - len(check.mismatches)} more")
    lines.append(f"{name} verify: " + ("OK" if all(check.ok for check in checks) else "MISMATCH"))
    return "\n".join(lines)


CheckFunction = Callable[[AsyncSession], Awaitable[Check]]


async def verify_ledger(session: AsyncSession, *more: CheckFunction) -> Report:
    """The ledger's own checks, then ``more`` (the credit path's carry: ``service.actions.carry``)."""
    checks = [
        await _balances_sum_to_zero(session),
        await _balances_match_transfers(session),
        await _held_matches_pending_holds(session),
        await _lots_match_wallets(session),
        await _transfers_have_idempotency_records(session),
        await _transfers_match_their_keys(session),
        await _projects_never_debited(session),
        *[await check(session) for check in more],
    ]
    accounts = await session.scalar(sa.select(sa.func.count()).select_from(Account)) or 0
    transfers = await session.scalar(sa.select(sa.func.count()).select_from(Transfer)) or 0
    return Report(checks=checks, accounts=accounts, transfers=transfers)


def record(check: Check, message: str) -> None:
    check.count += 1
    if len(check.mismatches) < MAX_LISTED:
        check.mismatches.append(message)


async def _balances_sum_to_zero(session: AsyncSession) -> Check:
    check = Check("balances_sum_to_zero", "all account balances sum to zero")
    total = await session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Account.balance), 0)))
    if total:
        record(check, f"balances sum to {total}, not 0")
    return check


async def _balances_match_transfers(session: AsyncSession) -> Check:
    check = Check("balances_match_transfers", "every stored balance equals the sum of its transfers")
    credits = (
        sa.select(Transfer.credit_account_id.label("account_id"), Transfer.amount.label("amount"))
    ).union_all(sa.select(Transfer.debit_account_id, -Transfer.amount))
    flows = credits.subquery()
    computed = (
        sa.select(flows.c.account_id, sa.func.sum(flows.c.amount).label("total"))
        .group_by(flows.c.account_id)
        .subquery()
    )
    stmt = (
        sa.select(Account.id, Account.code, Account.balance, sa.func.coalesce(computed.c.total, 0))
        .outerjoin(computed, computed.c.account_id == Account.id)
        .where(Account.balance != sa.func.coalesce(computed.c.total, 0))
        .order_by(Account.id)
    )
    for account_id, code, stored, total in await session.execute(stmt):
        record(check, f"account {account_id} ({code}): stored balance {stored}, transfers sum to {total}")
    return check


async def _held_matches_pending_holds(session: AsyncSession) -> Check:
    check = Check("held_matches_holds", "every held amount equals the sum of its pending holds")
    pending = (
        sa.select(Hold.debit_account_id.label("account_id"), sa.func.sum(Hold.amount).label("total"))
        .where(Hold.status == HoldStatus.PENDING)
        .group_by(Hold.debit_account_id)
        .subquery()
    )
    stmt = (
        sa.select(Account.id, Account.code, Account.held, sa.func.coalesce(pending.c.total, 0))
        .outerjoin(pending, pending.c.account_id == Account.id)
        .where(Account.held != sa.func.coalesce(pending.c.total, 0))
        .order_by(Account.id)
    )
    for account_id, code, stored, total in await session.execute(stmt):
        record(check, f"account {account_id} ({code}): held {stored}, pending holds sum to {total}")
    return check


async def _lots_match_wallets(session: AsyncSession) -> Check:
    check = Check("lots_match_wallets", "every wallet's open lots sum to its available + held balance")
    lots = (
        sa.select(
            Lot.account_id,
            sa.func.sum(Lot.remaining).label("remaining"),
            sa.func.sum(Lot.held).label("held"),
        )
        .group_by(Lot.account_id)
        .subquery()
    )
    remaining = sa.func.coalesce(lots.c.remaining, 0)
    held = sa.func.coalesce(lots.c.held, 0)
    stmt = (
        sa.select(Account.id, Account.code, Account.balance, Account.held, remaining, held)
        .outerjoin(lots, lots.c.account_id == Account.id)
        .where(Account.kind == AccountKind.WALLET)
        .where(sa.or_(Account.balance != remaining, Account.held != held))
        .order_by(Account.id)
    )
    for account_id, code, balance, account_held, lot_remaining, lot_held in await session.execute(stmt):
        record(
            check,
            f"wallet {account_id} ({code}): available+held {balance} (held {account_held}), "
            f"lots hold {lot_remaining} (reserved {lot_held})",
        )
    return check


async def _transfers_have_idempotency_records(session: AsyncSession) -> Check:
    check = Check("transfers_have_idempotency_records", "no posted transfer without its idempotency record")
    stmt = (
        sa.select(Transfer.id, Transfer.idempotency_key)
        .outerjoin(
            IdempotencyRecord,
            sa.and_(
                IdempotencyRecord.key == Transfer.idempotency_key,
                IdempotencyRecord.transfer_id == Transfer.id,
            ),
        )
        .where(IdempotencyRecord.key.is_(None))
        .order_by(Transfer.id)
    )
    for transfer_id, key in await session.execute(stmt):
        record(check, f"transfer {transfer_id}: no idempotency record for key {key!r}")
    return check


async def _transfers_match_their_keys(session: AsyncSession) -> Check:
    """transfer_keys is where a key, a reversal and a hold are unique across months: it must say what the
    transfers say, row for row, or a duplicate could slip past it."""
    check = Check("transfers_match_their_keys", "transfer_keys holds each transfer's key, reversal and hold")
    same = sa.and_(
        TransferKey.transfer_id == Transfer.id,
        TransferKey.resident_id == Transfer.resident_id,
        TransferKey.idempotency_key == Transfer.idempotency_key,
        TransferKey.reverses_id.is_not_distinct_from(Transfer.reverses_id),
        TransferKey.hold_id.is_not_distinct_from(Transfer.hold_id),
    )
    await record_disagreements(
        session,
        check,
        same,
        rows=(Transfer.id, Transfer.idempotency_key),
        keys=(TransferKey.transfer_id, TransferKey.idempotency_key),
        missing="transfer {0}: transfer_keys lacks its key {1!r} as it stands",
        stray="transfer_keys {1!r}: transfer {0} does not stand so",
    )
    return check


async def record_disagreements(
    session: AsyncSession,
    check: Check,
    same: sa.ColumnElement[bool],
    *,
    rows: tuple[InstrumentedAttribute[Any], InstrumentedAttribute[Any]],
    keys: tuple[InstrumentedAttribute[Any], InstrumentedAttribute[Any]],
    missing: str,
    stray: str,
) -> None:
    """Record every row of a key table's table with no key row that is ``same``, then every key row with
    no such row. ``rows`` and ``keys`` are (the row's id, its key) on each side, never null in a stored
    row; ``missing`` and ``stray`` format them."""
    unkeyed = sa.select(*rows).outerjoin(keys[0].class_, same).where(keys[0].is_(None)).order_by(rows[0])
    for found in await session.execute(unkeyed):
        record(check, missing.format(*found))
    unmatched = sa.select(*keys).outerjoin(rows[0].class_, same).where(rows[0].is_(None)).order_by(keys[0])
    for found in await session.execute(unmatched):
        record(check, stray.format(*found))


async def _projects_never_debited(session: AsyncSession) -> Check:
    check = Check("projects_never_debited", "no transfer or hold takes coins out of a project's account")
    projects = sa.select(Account.id).where(Account.kind == AccountKind.PROJECT)
    transfers = sa.select(Transfer.id, Transfer.debit_account_id).where(
        Transfer.debit_account_id.in_(projects)
    )
    for transfer_id, account_id in await session.execute(transfers.order_by(Transfer.id)):
        record(check, f"transfer {transfer_id} debits project account {account_id}")
    holds = sa.select(Hold.id, Hold.debit_account_id).where(Hold.debit_account_id.in_(projects))
    for hold_id, account_id in await session.execute(holds.order_by(Hold.id)):
        record(check, f"hold {hold_id} debits project account {account_id}")
    return check
