"""Reads of one resident's own data. Every query is scoped by the resident's id (or wallet) first."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.models import Action, ActionStatus
from service.ledger.models import Account, Lot, Transfer

EXPIRING_WINDOW = dt.timedelta(days=30)


@dataclass
class Wallet:
    available: int = 0
    held: int = 0
    lots: Sequence[Lot] = ()
    expiring_30d: int = 0


@dataclass
class Impact:
    total_grams: int = 0
    by_methodology: dict[str, list[int]] = field(default_factory=dict)  # id -> [grams, actions]
    by_month: dict[str, int] = field(default_factory=dict)


async def wallet_account(session: AsyncSession, resident_id: int) -> Account | None:
    return await session.scalar(sa.select(Account).where(Account.code == f"wallet:{resident_id}"))


async def wallet(session: AsyncSession, resident_id: int, now: dt.datetime) -> Wallet:
    account = await wallet_account(session, resident_id)
    if account is None:
        return Wallet()
    lots = (
        await session.scalars(
            sa.select(Lot)
            .where(Lot.account_id == account.id, Lot.expires_at > now, Lot.remaining > 0)
            .order_by(Lot.expires_at, Lot.id)
        )
    ).all()
    soon = now + EXPIRING_WINDOW
    expiring = sum(lot.remaining - lot.held for lot in lots if lot.expires_at <= soon)
    return Wallet(account.balance - account.held, account.held, lots, expiring)


async def actions(
    session: AsyncSession, resident_id: int, before_id: int | None, limit: int
) -> Sequence[Action]:
    stmt = sa.select(Action).where(Action.resident_id == resident_id)
    if before_id is not None:
        stmt = stmt.where(Action.id < before_id)
    return (await session.scalars(stmt.order_by(Action.id.desc()).limit(limit))).all()


async def action(session: AsyncSession, resident_id: int, action_id: int) -> Action | None:
    stmt = sa.select(Action).where(Action.id == action_id, Action.resident_id == resident_id)
    return await session.scalar(stmt)


async def transfers(
    session: AsyncSession, account_id: int, before_id: int | None, limit: int
) -> Sequence[Transfer]:
    stmt = sa.select(Transfer).where(
        sa.or_(Transfer.credit_account_id == account_id, Transfer.debit_account_id == account_id)
    )
    if before_id is not None:
        stmt = stmt.where(Transfer.id < before_id)
    return (await session.scalars(stmt.order_by(Transfer.id.desc()).limit(limit))).all()


async def impact(session: AsyncSession, resident_id: int, zone: ZoneInfo) -> Impact:
    rows = await session.execute(
        sa.select(Action.methodology_id, Action.occurred_at, Action.grams).where(
            Action.resident_id == resident_id, Action.status == ActionStatus.ACCEPTED
        )
    )
    result = Impact()
    by_methodology: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_month: dict[str, int] = defaultdict(int)
    for methodology_id, occurred_at, grams in rows.all():
        result.total_grams += grams
        by_methodology[methodology_id][0] += grams
        by_methodology[methodology_id][1] += 1
        by_month[occurred_at.astimezone(zone).strftime("%Y-%m")] += grams
    result.by_methodology = dict(sorted(by_methodology.items()))
    result.by_month = dict(sorted(by_month.items()))
    return result
