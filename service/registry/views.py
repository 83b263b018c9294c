"""The registry's records as the API shows them: serials spelled out, holders by name."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.registry.models import (
    CreditBatch,
    CreditingProject,
    RegistryAccount,
    RegistryOperation,
    Retirement,
    SerialBlock,
)
from service.registry.schemas import (
    BatchOut,
    CreditingProjectOut,
    HolderOut,
    OperationOut,
    RetirementOut,
    SerialBlockOut,
)
from service.registry.serials import Serial


class Labels:
    """What turns ids into serials and names: the city's code, each batch's methodology and vintage, each
    account's name. Loaded once per answer (the registry is small)."""

    def __init__(self, city_code: str, public_url: str) -> None:
        self.city_code = city_code
        self.public_url = public_url.rstrip("/")
        self.batches: dict[int, tuple[str, int]] = {}
        self.accounts: dict[int, RegistryAccount] = {}

    async def load(self, session: AsyncSession) -> Labels:
        rows = await session.execute(
            sa.select(CreditBatch.id, CreditingProject.methodology_id, CreditBatch.vintage).join(
                CreditingProject, CreditingProject.id == CreditBatch.project_id
            )
        )
        self.batches = {batch_id: (methodology, vintage) for batch_id, methodology, vintage in rows.all()}
        self.accounts = {a.id: a for a in await session.scalars(sa.select(RegistryAccount))}
        return self

    def serial(self, batch_id: int, sequence: int) -> str:
        methodology, vintage = self.batches[batch_id]
        return str(Serial(self.city_code, methodology, vintage, batch_id, sequence))


def project_out(project: CreditingProject) -> CreditingProjectOut:
    return CreditingProjectOut(
        id=project.id,
        methodology_id=project.methodology_id,
        name=project.name,
        registry_name=project.registry_name,
        buffer_share=project.buffer_share,
        eligible_params_versions=list(project.eligible_params_versions),
        created_at=project.created_at,
    )


def batch_out(batch: CreditBatch, labels: Labels) -> BatchOut:
    total = batch.units + batch.buffer_units
    issued = batch.issued_at is not None and total > 0
    return BatchOut(
        id=batch.id,
        project_id=batch.project_id,
        methodology_id=labels.batches[batch.id][0],
        vintage=batch.vintage,
        period_start=batch.period_start,
        period_end=batch.period_end,
        status=batch.status,  # type: ignore[arg-type]
        actions=batch.actions,
        gross_grams=batch.gross_grams,
        buffer_grams=batch.buffer_grams,
        net_grams=batch.net_grams,
        carried_in_grams=batch.carried_in_grams,
        units=batch.units,
        buffer_units=batch.buffer_units,
        carried_grams=batch.carried_grams,
        carried_buffer_grams=batch.carried_buffer_grams,
        reversed_grams=batch.reversed_grams,
        manifest_sha256=batch.manifest_sha256,
        first_serial=labels.serial(batch.id, 1) if issued else None,
        last_serial=labels.serial(batch.id, total) if issued else None,
        verification=batch.verification,
        drafted_at=batch.drafted_at,
        verified_at=batch.verified_at,
        issued_at=batch.issued_at,
    )


def block_out(block: SerialBlock, labels: Labels) -> SerialBlockOut:
    holder = labels.accounts[block.holder_id]
    return SerialBlockOut(
        id=block.id,
        batch_id=block.batch_id,
        first_serial=labels.serial(block.batch_id, block.first),
        last_serial=labels.serial(block.batch_id, block.last),
        units=block.units,
        holder_kind=holder.kind,  # type: ignore[arg-type]
        holder=holder.name,
    )


def operation_out(operation: RegistryOperation, blocks: list[SerialBlock], labels: Labels) -> OperationOut:
    """``blocks``: those the operation made for its receiver (their span is what moved)."""
    received = [b for b in blocks if b.holder_id == operation.to_account_id]
    first = min(b.first for b in received)
    last = max(b.last for b in received)
    source = labels.accounts.get(operation.from_account_id) if operation.from_account_id else None
    return OperationOut(
        id=operation.id,
        kind=operation.kind,  # type: ignore[arg-type]
        batch_id=operation.batch_id,
        from_account=source.name if source else None,
        to_account=labels.accounts[operation.to_account_id].name,
        units=operation.units,
        first_serial=labels.serial(operation.batch_id, first),
        last_serial=labels.serial(operation.batch_id, last),
        details=operation.details,
        at=operation.at,
    )


def retirement_out(retirement: Retirement, block: SerialBlock, labels: Labels) -> RetirementOut:
    methodology, vintage = labels.batches[block.batch_id]
    return RetirementOut(
        id=retirement.id,
        batch_id=block.batch_id,
        methodology_id=methodology,
        vintage=vintage,
        units=retirement.units,
        first_serial=labels.serial(block.batch_id, block.first),
        last_serial=labels.serial(block.batch_id, block.last),
        holder=retirement.holder_name,
        beneficiary=retirement.beneficiary,
        purpose=retirement.purpose,
        retired_at=retirement.retired_at,
        certificate_url=f"{labels.public_url}/v1/registry/retirements/{retirement.id}/certificate.pdf",
        page_url=f"{labels.public_url}/registry/retirements/{retirement.id}",
    )


def account_out(account: RegistryAccount, units: int) -> HolderOut:
    return HolderOut(id=account.id, kind=account.kind, name=account.name, units=units)  # type: ignore[arg-type]
