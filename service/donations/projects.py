"""The city's public-welfare projects: created and changed by city users (audited), read by anyone.

A project gets its own ledger account when it is created, so its coins raised are a ledger balance like any
other and ``tanbi ledger verify`` covers them. Projects are never deleted: donations point at them, and a
finished one is deactivated (it stays listed, with its progress, but takes no more donations).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.models import record as audit
from service.donations.models import WelfareProject
from service.donations.repository import DonationRepository
from service.errors import NotFound
from service.ledger.service import Ledger
from service.settings import Settings

EDITABLE = frozenset(
    {"name_zh", "name_en", "description_zh", "description_en", "kind", "goal_coins", "active"}
)


async def create_project(
    session: AsyncSession, settings: Settings, fields: dict[str, Any], actor: str, now: dt.datetime
) -> WelfareProject:
    """A new project with its ledger account ``project:<id>``; audited as ``welfare_project.create``."""
    repo = DonationRepository(session)
    project = WelfareProject(**fields, created_at=now, updated_at=now)
    await repo.add(project)
    account = await Ledger(session, settings.ledger, settings.zone).project_account(project.id)
    project.account_id = account.id
    await session.flush()
    await audit(session, actor, "welfare_project.create", f"welfare_project:{project.id}", _plain(fields))
    return project


async def update_project(
    session: AsyncSession, project_id: int, changes: dict[str, Any], actor: str, now: dt.datetime
) -> WelfareProject:
    """Apply ``changes`` (names, descriptions, kind, goal, active); audited with the old and new values."""
    assert set(changes) <= EDITABLE, changes
    project = await existing_project(session, project_id, lock=True)
    before = {name: getattr(project, name) for name in changes}
    for name, value in changes.items():
        setattr(project, name, value)
    project.updated_at = now
    await session.flush()
    details = {"before": _plain(before), "after": _plain(changes)}
    await audit(session, actor, "welfare_project.update", f"welfare_project:{project.id}", details)
    return project


async def existing_project(session: AsyncSession, project_id: int, *, lock: bool = False) -> WelfareProject:
    project = await DonationRepository(session).project(project_id, lock=lock)
    if project is None:
        raise NotFound(f"welfare project {project_id} does not exist", code="welfare_project_not_found")
    return project


def _plain(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: str(value) if hasattr(value, "value") else value for name, value in fields.items()}
