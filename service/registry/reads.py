"""The public record, read: projects, batches, holdings, operations, retirements, and one serial."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.errors import NotFound
from service.registry.holdings import current
from service.registry.models import (
    CreditBatch,
    CreditingProject,
    RegistryAccount,
    RegistryOperation,
    Retirement,
    SerialBlock,
)
from service.registry.serials import Serial


async def projects(session: AsyncSession) -> list[CreditingProject]:
    return list(await session.scalars(sa.select(CreditingProject).order_by(CreditingProject.id)))


async def batches(session: AsyncSession, project_id: int | None = None) -> list[CreditBatch]:
    stmt = sa.select(CreditBatch).order_by(CreditBatch.id.desc())
    if project_id is not None:
        stmt = stmt.where(CreditBatch.project_id == project_id)
    return list(await session.scalars(stmt))


async def holdings(session: AsyncSession) -> list[tuple[RegistryAccount, int]]:
    """Every account with the units it holds now, by id."""
    units = sa.func.coalesce(sa.func.sum(SerialBlock.last - SerialBlock.first + 1), 0)
    held = (
        sa.select(SerialBlock.holder_id, units.label("units"))
        .where(current())
        .group_by(SerialBlock.holder_id)
        .subquery()
    )
    rows = await session.execute(
        sa.select(RegistryAccount, sa.func.coalesce(held.c.units, 0))
        .outerjoin(held, held.c.holder_id == RegistryAccount.id)
        .order_by(RegistryAccount.id)
    )
    return [(account, int(count)) for account, count in rows.all()]


async def blocks(session: AsyncSession, batch_id: int) -> list[SerialBlock]:
    """A batch's current blocks, by serial."""
    stmt = (
        sa.select(SerialBlock).where(SerialBlock.batch_id == batch_id, current()).order_by(SerialBlock.first)
    )
    return list(await session.scalars(stmt))


async def operations(
    session: AsyncSession, batch_id: int
) -> list[tuple[RegistryOperation, list[SerialBlock]]]:
    """A batch's operations, oldest first, each with the blocks it made."""
    ops = list(
        await session.scalars(
            sa.select(RegistryOperation)
            .where(RegistryOperation.batch_id == batch_id)
            .order_by(RegistryOperation.id)
        )
    )
    made: dict[int, list[SerialBlock]] = defaultdict(list)
    for block in await session.scalars(sa.select(SerialBlock).where(SerialBlock.batch_id == batch_id)):
        made[block.operation_id].append(block)
    return [(op, made[op.id]) for op in ops]


async def made_by(session: AsyncSession, operation_id: int) -> list[SerialBlock]:
    """The blocks one operation made (not the batch's every operation and block)."""
    stmt = sa.select(SerialBlock).where(SerialBlock.operation_id == operation_id).order_by(SerialBlock.first)
    return list(await session.scalars(stmt))


async def retirements(session: AsyncSession) -> list[tuple[Retirement, SerialBlock]]:
    rows = await session.execute(
        sa.select(Retirement, SerialBlock)
        .join(SerialBlock, SerialBlock.id == Retirement.block_id)
        .order_by(Retirement.id.desc())
    )
    return [(r, b) for r, b in rows.all()]


async def retirement(session: AsyncSession, retirement_id: int) -> tuple[Retirement, SerialBlock]:
    found = await session.get(Retirement, retirement_id)
    if found is None:
        raise NotFound(f"retirement {retirement_id} does not exist", code="retirement_not_found")
    block = await session.get(SerialBlock, found.block_id)
    assert block is not None
    return found, block


async def holding_block(session: AsyncSession, serial: Serial) -> SerialBlock | None:
    """The current block holding ``serial``, if it was issued (and its methodology and vintage match)."""
    batch = await session.get(CreditBatch, serial.batch)
    if batch is None or batch.vintage != serial.vintage:
        return None
    project = await session.get(CreditingProject, batch.project_id)
    if project is None or project.methodology_id != serial.methodology:
        return None
    return await session.scalar(
        sa.select(SerialBlock).where(
            SerialBlock.batch_id == batch.id,
            SerialBlock.first <= serial.sequence,
            SerialBlock.last >= serial.sequence,
            current(),
        )
    )


async def retirement_of(session: AsyncSession, block_id: int) -> Retirement | None:
    return await session.scalar(sa.select(Retirement).where(Retirement.block_id == block_id))
