"""Who holds which units: registry accounts and serial blocks. Moving units never edits a block: the blocks
the units come from end (they get children) and new blocks carry the parts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.sql import lock_keys
from service.errors import Conflict, Invalid, NotFound
from service.registry.models import HolderKind, OperationKind, RegistryAccount, RegistryOperation, SerialBlock

NAMES = {
    HolderKind.CITY: "the city",
    HolderKind.BUFFER: "缓冲池 Buffer pool",
    HolderKind.RETIREMENT: "已注销 Retired",
    HolderKind.CANCELLATION: "已作废 Cancelled",
}


async def singleton(session: AsyncSession, kind: HolderKind, name: str | None = None) -> RegistryAccount:
    """The one account of ``kind`` (city, buffer, retirement, cancellation), made on first use (named
    ``name``, the city's name for the city)."""
    found = await session.scalar(sa.select(RegistryAccount).where(RegistryAccount.kind == kind).limit(1))
    if found is None:
        await lock_keys(session, [f"registry:account:{kind}"])
        found = await session.scalar(sa.select(RegistryAccount).where(RegistryAccount.kind == kind).limit(1))
    if found is None:
        found = RegistryAccount(kind=kind, name=name or NAMES[kind])
        session.add(found)
        await session.flush()
    return found


async def add_buyer(session: AsyncSession, name: str, now: dt.datetime) -> RegistryAccount:
    account = RegistryAccount(kind=HolderKind.BUYER, name=name.strip(), created_at=now)
    session.add(account)
    await session.flush()
    return account


async def account(session: AsyncSession, account_id: int) -> RegistryAccount:
    found = await session.get(RegistryAccount, account_id)
    if found is None:
        raise NotFound(f"registry account {account_id} does not exist", code="registry_account_not_found")
    return found


def current() -> sa.ColumnElement[bool]:
    """A block is current while no block names it as parent."""
    child = sa.orm.aliased(SerialBlock)
    return ~sa.exists(sa.select(child.id).where(child.parent_id == SerialBlock.id))


async def held(session: AsyncSession, holder_id: int, batch_id: int) -> list[SerialBlock]:
    """``holder_id``'s current blocks of a batch, lowest serials first."""
    stmt = (
        sa.select(SerialBlock)
        .where(SerialBlock.holder_id == holder_id, SerialBlock.batch_id == batch_id, current())
        .order_by(SerialBlock.first)
    )
    return list(await session.scalars(stmt))


async def record(
    session: AsyncSession,
    kind: OperationKind,
    batch_id: int,
    source: RegistryAccount | None,
    target: RegistryAccount,
    units: int,
    details: dict[str, Any],
    actor: str,
    now: dt.datetime,
) -> RegistryOperation:
    operation = RegistryOperation(
        kind=kind,
        batch_id=batch_id,
        from_account_id=source.id if source else None,
        to_account_id=target.id,
        units=units,
        details=details,
        actor=actor,
        at=now,
    )
    session.add(operation)
    await session.flush()
    return operation


async def move(
    session: AsyncSession,
    operation: RegistryOperation,
    source: RegistryAccount,
    target: RegistryAccount,
) -> list[SerialBlock]:
    """Moves ``operation.units`` of its batch from ``source`` to ``target``, lowest serials first; the blocks
    ``target`` got. 409 ``not_enough_units`` if ``source`` holds fewer."""
    await lock_keys(session, [f"registry:holder:{source.id}:batch:{operation.batch_id}"])
    blocks = await held(session, source.id, operation.batch_id)
    if sum(b.units for b in blocks) < operation.units:
        raise Conflict(
            f"{source.name} holds {sum(b.units for b in blocks)} units of batch {operation.batch_id}, "
            f"fewer than {operation.units}",
            code="not_enough_units",
        )
    moved = []
    parts = carve([(b.first, b.last) for b in blocks], operation.units)
    for block, (taken, kept) in zip(blocks, parts, strict=True):
        if taken is None:
            break
        moved.append(_child(block, *taken, target.id, operation.id))
        session.add(moved[-1])
        if kept is not None:
            session.add(_child(block, *kept, source.id, operation.id))
    await session.flush()
    return moved


Range = tuple[int, int]


def carve(ranges: list[Range], units: int) -> list[tuple[Range | None, Range | None]]:
    """For each of ``ranges`` (in order), the part that moves and the part that stays, taking ``units`` from
    the lowest serials: untouched ranges give (None, None) once the units are taken."""
    parts: list[tuple[Range | None, Range | None]] = []
    for first, last in ranges:
        take = min(units, last - first + 1)
        units -= take
        if take == 0:
            parts.append((None, None))
        elif first + take - 1 == last:
            parts.append(((first, last), None))
        else:
            parts.append(((first, first + take - 1), (first + take, last)))
    return parts


def _child(parent: SerialBlock, first: int, last: int, holder_id: int, operation_id: int) -> SerialBlock:
    return SerialBlock(
        batch_id=parent.batch_id,
        first=first,
        last=last,
        holder_id=holder_id,
        parent_id=parent.id,
        operation_id=operation_id,
    )


async def issue_block(
    session: AsyncSession, operation: RegistryOperation, first: int, last: int, holder_id: int
) -> SerialBlock:
    block = SerialBlock(
        batch_id=operation.batch_id, first=first, last=last, holder_id=holder_id, operation_id=operation.id
    )
    session.add(block)
    await session.flush()
    return block


def check_units(units: int) -> None:
    if units < 1:
        raise Invalid("move at least one unit", code="invalid_units")
