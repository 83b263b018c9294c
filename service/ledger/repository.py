"""All ledger SQL. Balance changes are single conditional UPDATEs, so the database decides under locks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.base import table
from service.db.sql import insert_ignoring_conflict
from service.ledger.models import (
    GUARDED_KINDS,
    Account,
    Hold,
    HoldStatus,
    IdempotencyRecord,
    Lot,
    LotAllocation,
    Transfer,
    shard_of,
)


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # accounts ---------------------------------------------------------------------------------------
    async def ensure_account(self, kind: str, code: str, owner_id: int | None) -> Account:
        resident_id = shard_of(kind, code, owner_id)
        stmt = insert_ignoring_conflict(self.session, table(Account), ["code", "resident_id"]).values(
            kind=kind,
            code=code,
            owner_id=owner_id,
            resident_id=resident_id,
            balance=0,
            held=0,
            created_at=sa.func.now(),
        )
        await self.session.execute(stmt)
        account = await self.account_by_code(code)
        assert account is not None
        return account

    async def account_by_code(self, code: str) -> Account | None:
        return await self.session.scalar(sa.select(Account).where(Account.code == code))

    async def account(self, account_id: int) -> Account | None:
        return await self.session.get(Account, account_id, populate_existing=True)

    async def debit(self, account_id: int, amount: int) -> bool:
        """Take ``amount`` from the posted balance; False when a guarded account cannot afford it."""
        stmt = (
            sa.update(Account)
            .where(Account.id == account_id)
            .where(sa.or_(Account.kind.not_in(GUARDED_KINDS), Account.balance - Account.held >= amount))
            .values(balance=Account.balance - amount)
            .returning(Account.id)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def credit(self, account_id: int, amount: int) -> None:
        await self.session.execute(
            sa.update(Account).where(Account.id == account_id).values(balance=Account.balance + amount)
        )

    async def reserve(self, account_id: int, amount: int) -> bool:
        """Move ``amount`` from available to held; False when it is not available."""
        stmt = (
            sa.update(Account)
            .where(Account.id == account_id)
            .where(sa.or_(Account.kind.not_in(GUARDED_KINDS), Account.balance - Account.held >= amount))
            .values(held=Account.held + amount)
            .returning(Account.id)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def release(self, account_id: int, amount: int, *, spent: bool) -> None:
        """Drop ``amount`` from held; when ``spent`` the coins also leave the posted balance."""
        values = {"held": Account.held - amount}
        if spent:
            values["balance"] = Account.balance - amount
        await self.session.execute(sa.update(Account).where(Account.id == account_id).values(**values))

    # idempotency ------------------------------------------------------------------------------------
    async def idempotency_record(self, key: str, resident_id: int) -> IdempotencyRecord | None:
        return await self.session.get(IdempotencyRecord, (key, resident_id), populate_existing=True)

    async def claim_key(self, key: str, resident_id: int, fingerprint: str, operation: str) -> bool:
        """Insert the record for ``key``; False when it exists (perhaps just committed by a racer)."""
        columns = ["key", "resident_id"]
        stmt = insert_ignoring_conflict(self.session, table(IdempotencyRecord), columns).values(
            key=key,
            resident_id=resident_id,
            fingerprint=fingerprint,
            operation=operation,
            created_at=sa.func.now(),
        )
        result = cast(CursorResult[Any], await self.session.execute(stmt))
        return bool(result.rowcount == 1)

    async def link_key(
        self, key: str, resident_id: int, *, transfer_id: int | None = None, hold_id: int | None = None
    ) -> None:
        await self.session.execute(
            sa.update(IdempotencyRecord)
            .where(IdempotencyRecord.key == key, IdempotencyRecord.resident_id == resident_id)
            .values(transfer_id=transfer_id, hold_id=hold_id)
        )

    # transfers and holds ----------------------------------------------------------------------------
    async def add(self, row: Transfer | Hold | Lot | LotAllocation) -> None:
        self.session.add(row)
        await self.session.flush()

    async def transfer(self, transfer_id: int) -> Transfer | None:
        return await self.session.get(Transfer, transfer_id)

    async def reversal_of(self, transfer_id: int) -> Transfer | None:
        return await self.session.scalar(sa.select(Transfer).where(Transfer.reverses_id == transfer_id))

    async def hold(self, hold_id: int) -> Hold | None:
        return await self.session.get(Hold, hold_id, populate_existing=True)

    async def transfer_for_hold(self, hold_id: int) -> Transfer | None:
        return await self.session.scalar(sa.select(Transfer).where(Transfer.hold_id == hold_id))

    async def resolve_hold(self, hold_id: int, status: HoldStatus, now: dt.datetime) -> bool:
        """Pending -> ``status``, once: False when the hold was no longer pending."""
        stmt = (
            sa.update(Hold)
            .where(Hold.id == hold_id, Hold.status == HoldStatus.PENDING)
            .values(status=status, resolved_at=now)
            .returning(Hold.id)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def expired_hold_ids(self, now: dt.datetime, limit: int) -> list[int]:
        stmt = (
            sa.select(Hold.id)
            .where(Hold.status == HoldStatus.PENDING, Hold.expires_at <= now)
            .order_by(Hold.expires_at, Hold.id)
            .limit(limit)
        )
        return list((await self.session.scalars(stmt)).all())

    # lots -------------------------------------------------------------------------------------------
    async def spendable_lots(self, account_id: int, now: dt.datetime) -> Sequence[Lot]:
        """Unexpired lots with unreserved coins, earliest expiry first (the order coins are spent in)."""
        stmt = (
            sa.select(Lot)
            .where(Lot.account_id == account_id, Lot.expires_at > now, Lot.remaining > Lot.held)
            .order_by(Lot.expires_at, Lot.id)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(stmt)).all()

    async def lot_for_transfer(self, transfer_id: int) -> Lot | None:
        return await self.session.scalar(sa.select(Lot).where(Lot.transfer_id == transfer_id))

    async def allocations(
        self, *, transfer_id: int | None = None, hold_id: int | None = None
    ) -> Sequence[LotAllocation]:
        stmt = sa.select(LotAllocation).order_by(LotAllocation.id)
        if transfer_id is not None:
            stmt = stmt.where(LotAllocation.transfer_id == transfer_id)
        if hold_id is not None:
            stmt = stmt.where(LotAllocation.hold_id == hold_id)
        return (await self.session.scalars(stmt)).all()

    async def change_lot(self, lot_id: int, *, remaining: int = 0, held: int = 0) -> None:
        await self.session.execute(
            sa.update(Lot)
            .where(Lot.id == lot_id)
            .values(remaining=Lot.remaining + remaining, held=Lot.held + held)
        )

    async def expired_lots(self, now: dt.datetime, limit: int) -> Sequence[Lot]:
        """Expired lots that still hold unreserved coins."""
        stmt = (
            sa.select(Lot)
            .where(Lot.expires_at <= now, Lot.remaining > Lot.held)
            .order_by(Lot.account_id, Lot.id)
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(stmt)).all()

    async def expiry_count(self, lot_id: int) -> int:
        """How many expiry transfers have taken from this lot so far (never decreases)."""
        stmt = (
            sa.select(sa.func.count())
            .select_from(LotAllocation)
            .join(Transfer, Transfer.id == LotAllocation.transfer_id)
            .where(LotAllocation.lot_id == lot_id, Transfer.kind == "expiry")
        )
        return await self.session.scalar(stmt) or 0

    async def lot(self, lot_id: int) -> Lot | None:
        return await self.session.get(Lot, lot_id, populate_existing=True)
