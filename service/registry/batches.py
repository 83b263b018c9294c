"""Batches: drafting pools a project's consented, accepted, unreversed actions of one vintage up to the end of
a monitoring period (late arrivals of earlier periods included: an action credited after its batch was
issued goes to the next one); submitting hands it to the verifier; issuing makes its serial blocks."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.models import Action, ActionStatus
from service.db.sql import atomic, lock_keys
from service.errors import Conflict, Invalid, NotFound
from service.identity.models import Resident
from service.registry.arithmetic import pool
from service.registry.models import BatchAction, BatchStatus, CreditBatch, CreditingProject


@dataclass(frozen=True)
class Period:
    vintage: int
    start: dt.date
    end: dt.date


async def project(session: AsyncSession, project_id: int) -> CreditingProject:
    found = await session.get(CreditingProject, project_id)
    if found is None:
        raise NotFound(f"crediting project {project_id} does not exist", code="project_not_found")
    return found


async def batch(session: AsyncSession, batch_id: int, *, for_update: bool = False) -> CreditBatch:
    found = await session.get(CreditBatch, batch_id, with_for_update=for_update, populate_existing=for_update)
    if found is None:
        raise NotFound(f"batch {batch_id} does not exist", code="batch_not_found")
    return found


def check_period(period: Period, today: dt.date) -> None:
    if not (period.start.year == period.end.year == period.vintage):
        raise Invalid("the monitoring period lies within the vintage's year", code="invalid_period")
    if period.end < period.start:
        raise Invalid("the monitoring period ends before it starts", code="invalid_period")
    if period.end >= today:
        raise Invalid("the monitoring period must be over (end before today)", code="invalid_period")


@atomic
async def draft(
    session: AsyncSession,
    zone: ZoneInfo,
    project_id: int,
    period: Period,
    actor: str,
    now: dt.datetime,
) -> CreditBatch:
    """Pool what is eligible now into a new draft batch; 422 ``nothing_to_pool`` / ``below_one_unit``."""
    found = await project(session, project_id)
    check_period(period, now.astimezone(zone).date())
    # Drafts of one project queue here; batch_actions' key on the action refuses anything that slips past.
    await lock_keys(session, [f"registry:project:{project_id}"])
    previous = await _latest(session, project_id, period.vintage)
    if previous is not None and period.start <= previous.period_end:
        raise Conflict(
            f"batch {previous.id} already covers up to {previous.period_end}: start after it",
            code="period_overlaps",
        )
    eligible = await _eligible(session, zone, found, period)
    rows = [(action_id, grams, params_hash) for action_id, grams, params_hash, _ in eligible]
    if not rows:
        raise Invalid("no consented, accepted, unpooled actions in this period", code="nothing_to_pool")
    pooled = pool(
        sum(grams for _, grams, _ in rows),
        found.buffer_share,
        previous.carried_grams if previous else 0,
        previous.carried_buffer_grams if previous else 0,
    )
    if pooled.units == 0:
        raise Invalid(
            f"{pooled.net_grams + (previous.carried_grams if previous else 0)} g net is less than one tonne: "
            "wait for more actions",
            code="below_one_unit",
        )
    created = CreditBatch(
        project_id=project_id,
        vintage=period.vintage,
        period_start=period.start,
        period_end=period.end,
        status=BatchStatus.DRAFT,
        actions=len(rows),
        gross_grams=pooled.gross_grams,
        buffer_grams=pooled.buffer_grams,
        net_grams=pooled.net_grams,
        carried_in_grams=previous.carried_grams if previous else 0,
        carried_in_buffer_grams=previous.carried_buffer_grams if previous else 0,
        units=pooled.units,
        buffer_units=pooled.buffer_units,
        carried_grams=pooled.carried_grams,
        carried_buffer_grams=pooled.carried_buffer_grams,
        manifest_sha256=hashlib.sha256(manifest(rows).encode()).hexdigest(),
        drafted_by=actor,
        drafted_at=now,
    )
    session.add(created)
    await session.flush()
    await _hold(session, created.id, eligible)
    return created


async def _hold(session: AsyncSession, batch_id: int, rows: Sequence[tuple[int, int, str, int]]) -> None:
    table = BatchAction.__table__
    values = [
        {"action_id": a, "resident_id": r, "batch_id": batch_id, "grams": g, "params_hash": h}
        for a, g, h, r in rows
    ]
    try:
        async with session.begin_nested():
            await session.execute(sa.insert(table), values)
    except IntegrityError as exc:
        raise Conflict(
            "another batch took some of these actions at the same time: draft again", code="batch_conflict"
        ) from exc


async def _latest(session: AsyncSession, project_id: int, vintage: int) -> CreditBatch | None:
    return await session.scalar(
        sa.select(CreditBatch)
        .where(CreditBatch.project_id == project_id, CreditBatch.vintage == vintage)
        .order_by(CreditBatch.id.desc())
        .limit(1)
    )


def _utc_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)


async def _eligible(
    session: AsyncSession, zone: ZoneInfo, found: CreditingProject, period: Period
) -> list[tuple[int, int, str, int]]:
    """(action id, grams, parameter hash, resident id) of every action the batch may hold, by id."""
    pooled = sa.select(BatchAction.action_id).where(BatchAction.action_id == Action.id)
    stmt = (
        sa.select(Action.id, Action.grams, Action.params_hash, Action.resident_id)
        .join(Resident, Resident.id == Action.resident_id)
        .where(
            Action.methodology_id == found.methodology_id,
            Action.status == ActionStatus.ACCEPTED,
            Action.reversed_at.is_(None),
            Action.grams > 0,
            Action.params_version.in_(found.eligible_params_versions),
            Action.occurred_at >= _utc_midnight(dt.date(period.vintage, 1, 1), zone),
            Action.occurred_at < _utc_midnight(period.end + dt.timedelta(days=1), zone),
            Resident.pooling_consent_since.is_not(None),
            Resident.deleted_at.is_(None),
            Action.occurred_at >= Resident.pooling_consent_since,
            ~sa.exists(pooled),
        )
        .order_by(Action.id)
    )
    return [(a, g, h, r) for a, g, h, r in (await session.execute(stmt)).all()]


def manifest(rows: Sequence[tuple[int, int, str]]) -> str:
    """The batch's manifest file: one line per action, by id; its SHA-256 is recorded on the batch."""
    lines = ["action_id,grams,params_hash"]
    lines += [f"{action_id},{grams},{params_hash}" for action_id, grams, params_hash in sorted(rows)]
    return "\n".join(lines) + "\n"


async def manifest_rows(session: AsyncSession, batch_id: int) -> list[tuple[int, int, str]]:
    stmt = (
        sa.select(BatchAction.action_id, BatchAction.grams, BatchAction.params_hash)
        .where(BatchAction.batch_id == batch_id)
        .order_by(BatchAction.action_id)
    )
    return [(a, g, h) for a, g, h in (await session.execute(stmt)).all()]


@atomic
async def submit(session: AsyncSession, batch_id: int, now: dt.datetime) -> CreditBatch:
    found = await batch(session, batch_id, for_update=True)
    _expect(found, BatchStatus.DRAFT, "submitted")
    found.status = BatchStatus.SUBMITTED
    found.submitted_at = now
    await session.flush()
    return found


def _expect(found: CreditBatch, status: BatchStatus, to: str) -> None:
    if found.status != status:
        raise Conflict(
            f"batch {found.id} is {found.status}; it can be {to} only when {status}",
            code="wrong_batch_status",
        )
