"""Crediting projects: one per tradable methodology, with its registry, buffer share and the parameter
versions whose actions may be pooled (tradable.py says which qualify)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.models import record as audit
from service.db.sql import atomic
from service.errors import Conflict, NotFound
from service.methodology.registry import Registry
from service.registry.models import CreditingProject
from service.registry.tradable import check_tradable, check_versions


@atomic
async def create_project(
    session: AsyncSession,
    registry: Registry,
    methodology_id: str,
    name: str,
    registry_name: str,
    buffer_share: Decimal,
    versions: Sequence[int],
    actor: str,
    now: dt.datetime,
) -> CreditingProject:
    if methodology_id not in registry.ids():
        raise NotFound(f"no methodology {methodology_id}", code="unknown_methodology")
    check_tradable(methodology_id)
    await check_versions(session, methodology_id, versions)
    taken = await session.scalar(
        sa.select(CreditingProject.id).where(CreditingProject.methodology_id == methodology_id)
    )
    if taken is not None:
        raise Conflict(f"{methodology_id} already has crediting project {taken}", code="project_exists")
    project = CreditingProject(
        methodology_id=methodology_id,
        name=name,
        registry_name=registry_name,
        buffer_share=buffer_share,
        eligible_params_versions=sorted(set(versions)),
        created_by=actor,
        created_at=now,
    )
    session.add(project)
    await session.flush()
    await audit(
        session,
        actor=actor,
        action="registry.project.create",
        target=f"crediting_project:{project.id}",
        details={
            "methodology": methodology_id,
            "buffer_share": str(buffer_share),
            "versions": list(versions),
        },
    )
    return project
