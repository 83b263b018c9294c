"""``tanbi registry verify``: the registry recomputed from its records. No serial exists twice, blocks add up
to issued units, every split partitions its block, holdings match the operations, manifests still hash to
what was sealed, batches' numbers follow from their actions, and reversals are covered by cancelled buffer
units."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.ledger.verify import Check, record, report_text
from service.registry.arithmetic import pool, units_to_cancel
from service.registry.batches import manifest, manifest_rows
from service.registry.models import (
    BatchStatus,
    CreditBatch,
    CreditingProject,
    HolderKind,
    OperationKind,
    RegistryAccount,
    RegistryOperation,
    Retirement,
    SerialBlock,
)


@dataclass
class RegistryReport:
    checks: list[Check]
    batches: int
    blocks: int

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "batches": self.batches,
            "blocks": self.blocks,
            "checks": [check.as_dict() for check in self.checks],
        }

    def as_text(self) -> str:
        heading = f"registry: {self.batches} batches, {self.blocks} serial blocks"
        return report_text("registry", heading, self.checks)


@dataclass
class _State:
    batches: list[CreditBatch]
    shares: dict[int, object]
    blocks: list[SerialBlock]
    operations: list[RegistryOperation]
    accounts: dict[int, RegistryAccount]
    retirements: list[Retirement]


async def verify_registry(session: AsyncSession) -> RegistryReport:
    state = _State(
        batches=list(await session.scalars(sa.select(CreditBatch).order_by(CreditBatch.id))),
        shares={p.id: p.buffer_share for p in await session.scalars(sa.select(CreditingProject))},
        blocks=list(await session.scalars(sa.select(SerialBlock).order_by(SerialBlock.id))),
        operations=list(await session.scalars(sa.select(RegistryOperation).order_by(RegistryOperation.id))),
        accounts={a.id: a for a in await session.scalars(sa.select(RegistryAccount))},
        retirements=list(await session.scalars(sa.select(Retirement))),
    )
    checks = [
        await _manifests(session, state),
        _numbers(state),
        _issued(state),
        _splits(state),
        _no_serial_twice(state),
        _holdings(state),
        _retirements(state),
        _reversals_covered(state),
    ]
    return RegistryReport(checks, len(state.batches), len(state.blocks))


async def _manifests(session: AsyncSession, state: _State) -> Check:
    check = Check("manifests", "every batch's manifest hashes to the SHA-256 sealed when it was drafted")
    for found in state.batches:
        rows = await manifest_rows(session, found.id)
        if hashlib.sha256(manifest(rows).encode()).hexdigest() != found.manifest_sha256:
            record(check, f"batch {found.id}: its actions no longer hash to {found.manifest_sha256}")
        if len(rows) != found.actions or sum(g for _, g, _ in rows) != found.gross_grams:
            record(
                check,
                f"batch {found.id}: {len(rows)} actions, {sum(g for _, g, _ in rows)} g pooled; "
                f"recorded {found.actions}, {found.gross_grams} g",
            )
    return check


def _numbers(state: _State) -> Check:
    check = Check("batch_numbers", "each batch's buffer, net grams, units and carry follow from its grams")
    for found in state.batches:
        expected = pool(
            found.gross_grams,
            state.shares[found.project_id],  # type: ignore[arg-type]
            found.carried_in_grams,
            found.carried_in_buffer_grams,
        )
        stored = (
            found.buffer_grams,
            found.net_grams,
            found.units,
            found.buffer_units,
            found.carried_grams,
            found.carried_buffer_grams,
        )
        wanted = (
            expected.buffer_grams,
            expected.net_grams,
            expected.units,
            expected.buffer_units,
            expected.carried_grams,
            expected.carried_buffer_grams,
        )
        if stored != wanted:
            record(check, f"batch {found.id}: stored {stored}, recomputed {wanted}")
    return check


def _issued(state: _State) -> Check:
    check = Check("issued_units", "issued batches have blocks for exactly their units; others have none")
    roots: dict[int, list[SerialBlock]] = defaultdict(list)
    for block in state.blocks:
        if block.parent_id is None:
            roots[block.batch_id].append(block)
    for found in state.batches:
        issued = sum(
            o.units for o in state.operations if o.batch_id == found.id and o.kind == OperationKind.ISSUE
        )
        total = found.units + found.buffer_units if found.status == BatchStatus.ISSUED else 0
        if issued != total:
            record(check, f"batch {found.id}: {issued} units issued, {total} expected")
        ranges = sorted((b.first, b.last) for b in roots[found.id])
        if not _partitions(ranges, 1, total):
            record(check, f"batch {found.id}: issued blocks {ranges} do not cover 1..{total} once")
    return check


def _partitions(ranges: list[tuple[int, int]], first: int, last: int) -> bool:
    """Whether sorted ``ranges`` cover ``first``..``last`` exactly, without gap or overlap."""
    at = first
    for low, high in ranges:
        if low != at:
            return False
        at = high + 1
    return at == last + 1


def _splits(state: _State) -> Check:
    check = Check("splits", "every block that moved is split into parts covering it exactly")
    children: dict[int, list[SerialBlock]] = defaultdict(list)
    for block in state.blocks:
        if block.parent_id is not None:
            children[block.parent_id].append(block)
    for block in state.blocks:
        parts = sorted((c.first, c.last) for c in children.get(block.id, []))
        if parts and not _partitions(parts, block.first, block.last):
            record(check, f"block {block.id} ({block.first}..{block.last}) split into {parts}")
    return check


def _current(state: _State) -> list[SerialBlock]:
    ended = {b.parent_id for b in state.blocks if b.parent_id is not None}
    return [b for b in state.blocks if b.id not in ended]


def _no_serial_twice(state: _State) -> Check:
    check = Check(
        "no_serial_twice", "current blocks cover each issued batch's serials once: none exists twice"
    )
    by_batch: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for block in _current(state):
        by_batch[block.batch_id].append((block.first, block.last))
    for found in state.batches:
        total = found.units + found.buffer_units if found.status == BatchStatus.ISSUED else 0
        ranges = sorted(by_batch.get(found.id, []))
        if not _partitions(ranges, 1, total):
            record(check, f"batch {found.id}: current blocks {ranges} do not cover 1..{total} once")
    return check


def _holdings(state: _State) -> Check:
    check = Check("holdings", "what each account holds of each batch is what operations moved to and from it")
    moved: dict[tuple[int, int], int] = defaultdict(int)
    for operation in state.operations:
        moved[(operation.to_account_id, operation.batch_id)] += operation.units
        if operation.from_account_id is not None:
            moved[(operation.from_account_id, operation.batch_id)] -= operation.units
    held: dict[tuple[int, int], int] = defaultdict(int)
    for block in _current(state):
        held[(block.holder_id, block.batch_id)] += block.units
    for key in sorted(set(moved) | set(held)):
        if moved[key] != held[key]:
            account = state.accounts[key[0]].name
            record(check, f"{account}, batch {key[1]}: holds {held[key]} units, operations say {moved[key]}")
    return check


def _retirements(state: _State) -> Check:
    check = Check("retirements", "every retirement's block is still whole and held as retired")
    current = {b.id: b for b in _current(state)}
    for retirement in state.retirements:
        block = current.get(retirement.block_id)
        holder = state.accounts[block.holder_id].kind if block else None
        if block is None or holder != HolderKind.RETIREMENT or block.units != retirement.units:
            record(check, f"retirement {retirement.id}: its block {retirement.block_id} moved or changed")
    return check


def _reversals_covered(state: _State) -> Check:
    check = Check("reversals_covered", "issued batches cancelled buffer units for every reversed tonne")
    for found in state.batches:
        if found.status != BatchStatus.ISSUED:
            continue
        cancelled = sum(
            o.units for o in state.operations if o.batch_id == found.id and o.kind == OperationKind.CANCEL
        )
        due = units_to_cancel(found.reversed_grams)
        if cancelled < due:
            record(
                check,
                f"batch {found.id}: {found.reversed_grams} g reversed call for {due} buffer units, "
                f"{cancelled} cancelled (the buffer ran out)",
            )
    return check
