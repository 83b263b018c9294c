"""What the city does with issued units: issue a verified batch, sell units to a buyer, retire them for a
beneficiary (irreversible), and cancel buffer units when pooled actions are reversed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.sql import atomic
from service.errors import Conflict, Invalid
from service.registry.arithmetic import units_to_cancel
from service.registry.batches import _expect, batch
from service.registry.holdings import account, check_units, held, issue_block, move, record, singleton
from service.registry.models import (
    BatchAction,
    BatchStatus,
    CreditBatch,
    HolderKind,
    OperationKind,
    RegistryOperation,
    Retirement,
)

MOVABLE_FROM = (HolderKind.CITY, HolderKind.BUYER)


@atomic
async def issue(
    session: AsyncSession, batch_id: int, city_name: str, actor: str, now: dt.datetime
) -> CreditBatch:
    """A verified batch's units: 1..units to the city, the next buffer_units to the buffer."""
    found = await batch(session, batch_id, for_update=True)
    _expect(found, BatchStatus.VERIFIED, "issued")
    city = await singleton(session, HolderKind.CITY, city_name)
    buffer = await singleton(session, HolderKind.BUFFER)
    to_city = await record(session, OperationKind.ISSUE, found.id, None, city, found.units, {}, actor, now)
    await issue_block(session, to_city, 1, found.units, city.id)
    if found.buffer_units:
        to_buffer = await record(
            session,
            OperationKind.ISSUE,
            found.id,
            None,
            buffer,
            found.buffer_units,
            {"buffer": True},
            actor,
            now,
        )
        await issue_block(session, to_buffer, found.units + 1, found.units + found.buffer_units, buffer.id)
    found.status = BatchStatus.ISSUED
    found.issued_at = now
    await session.flush()
    # Reversals that came while the batch was on its way are covered now.
    await cover_reversals(session, found, actor, now)
    return found


@atomic
async def sell(
    session: AsyncSession,
    batch_id: int,
    units: int,
    buyer_id: int,
    price_per_tonne: Decimal,
    exchange_reference: str,
    city_name: str,
    actor: str,
    now: dt.datetime,
) -> RegistryOperation:
    """The city's units to a buyer, with the sale's price (CNY per tonne) and the exchange's reference."""
    check_units(units)
    found = await batch(session, batch_id)
    _expect(found, BatchStatus.ISSUED, "sold")
    buyer = await account(session, buyer_id)
    if buyer.kind != HolderKind.BUYER:
        raise Invalid(f"account {buyer_id} is not a buyer", code="not_a_buyer")
    city = await singleton(session, HolderKind.CITY, city_name)
    details = {
        "price_per_tonne": str(price_per_tonne),
        "currency": "CNY",
        "exchange_reference": exchange_reference,
    }
    operation = await record(
        session, OperationKind.TRANSFER, batch_id, city, buyer, units, details, actor, now
    )
    await move(session, operation, city, buyer)
    return operation


@atomic
async def retire(
    session: AsyncSession,
    batch_id: int,
    units: int,
    holder_id: int,
    beneficiary: str,
    purpose: str,
    city_name: str,
    actor: str,
    now: dt.datetime,
) -> Retirement:
    """Retires a holder's units for a named beneficiary and purpose: they move to the retirement account,
    from which nothing ever moves. One contiguous block per retirement, so one certificate covers it."""
    check_units(units)
    found = await batch(session, batch_id)
    _expect(found, BatchStatus.ISSUED, "retired")
    holder = await account(session, holder_id)
    if holder.kind not in MOVABLE_FROM:
        raise Conflict(f"{holder.name}'s units cannot be retired", code="not_retirable")
    retired = await singleton(session, HolderKind.RETIREMENT)
    details = {"beneficiary": beneficiary, "purpose": purpose, "holder": holder.name}
    operation = await record(
        session, OperationKind.RETIRE, batch_id, holder, retired, units, details, actor, now
    )
    blocks = await move(session, operation, holder, retired)
    if len(blocks) != 1:
        raise Conflict(
            "these units span more than one block: retire them in parts of one block each",
            code="not_contiguous",
        )
    retirement = Retirement(
        operation_id=operation.id,
        block_id=blocks[0].id,
        holder_name=holder.name,
        beneficiary=beneficiary,
        purpose=purpose,
        units=units,
        retired_at=now,
    )
    session.add(retirement)
    await session.flush()
    return retirement


async def on_reversal(session: AsyncSession, action_id: int, now: dt.datetime) -> None:
    """A pooled action was reversed: its grams count against its batch, and an issued batch cancels buffer
    units to cover them (rounded up to whole units)."""
    pooled = await session.scalar(sa.select(BatchAction).where(BatchAction.action_id == action_id))
    if pooled is None:
        return
    found = await batch(session, pooled.batch_id, for_update=True)
    found.reversed_grams += pooled.grams
    await session.flush()
    if found.status == BatchStatus.ISSUED:
        await cover_reversals(session, found, "reversal", now, actions=[action_id])


async def cover_reversals(
    session: AsyncSession,
    found: CreditBatch,
    actor: str,
    now: dt.datetime,
    actions: list[int] | None = None,
) -> None:
    """Cancels the buffer units the batch's reversed grams call for and not yet cancelled. A buffer too small
    cancels what it has and records the shortfall (``tanbi registry verify`` reports it)."""
    cancelled = await session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(RegistryOperation.units), 0)).where(
            RegistryOperation.batch_id == found.id, RegistryOperation.kind == OperationKind.CANCEL
        )
    )
    due = units_to_cancel(found.reversed_grams) - int(cancelled or 0)
    if due <= 0:
        return
    buffer = await singleton(session, HolderKind.BUFFER)
    available = await _held_units(session, buffer.id, found.id)
    units = min(due, available)
    details = {"reversed_grams": found.reversed_grams, "actions": actions or [], "shortfall": due - units}
    if units == 0:
        return
    sink = await singleton(session, HolderKind.CANCELLATION)
    operation = await record(
        session, OperationKind.CANCEL, found.id, buffer, sink, units, details, actor, now
    )
    await move(session, operation, buffer, sink)


async def _held_units(session: AsyncSession, holder_id: int, batch_id: int) -> int:
    return sum(b.units for b in await held(session, holder_id, batch_id))
