"""The demo city's registry: the city lowers rooftop solar's conservativeness before the season (so its
reductions are tradable), most residents consent, and one batch is drafted, verified by a third party's
replay, issued, one tonne sold on the exchange and retired by its buyer.

Solar is the demo's largest tradable methodology; with fewer than about 1,500 residents
(``TANBI_DEMO_RESIDENTS``) the season pools under one tonne and the registry stays empty (said on the log).
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from service.db.base import utcnow
from service.demo_city.season import SEASON_DAYS
from service.errors import DomainError
from service.identity.models import Resident
from service.jobs.queue import JobQueue, unit_of_work
from service.methodology.params import ParamService
from service.registry import batches, holdings, operations
from service.registry.models import CreditingProject, PoolingConsent
from service.registry.projects import create_project
from service.registry.verification import verify
from service.settings import Settings

log = logging.getLogger("tanbi.demo")
METHODOLOGY = "rooftop_solar"
REASON = "demo: tradable solar (conservativeness 0.9)"
VERIFIER = "verifier:demo (第三方核证机构·演示)"


def season_start(settings: Settings) -> dt.datetime:
    today = utcnow().astimezone(settings.zone).date()
    start = today - dt.timedelta(days=SEASON_DAYS + 7)
    return dt.datetime.combine(start, dt.time(), settings.zone)


async def conservative_solar(settings: Settings, database: Any, queue: JobQueue, registry: Any) -> None:
    """Before the season is credited: a parameter version of rooftop solar at conservativeness 0.9, in
    effect from before the season (once)."""
    if METHODOLOGY not in registry.ids():
        return
    since = season_start(settings)
    methodology = registry.current(METHODOLOGY)
    async with unit_of_work(database, queue) as session:
        params = ParamService(session, clock=lambda: since, registry=registry)
        if any(row.reason == REASON for row in await params.versions(methodology)):
            return
        await params.publish(
            methodology, {"conservativeness": "0.9"}, reason=REASON, effective_from=since, actor="city:demo"
        )


async def seed_registry(settings: Settings, database: Any, queue: JobQueue, registry: Any) -> dict[str, Any]:
    """After the season: consent, the project, one issued batch, a sale and a retirement (once)."""
    if METHODOLOGY not in registry.ids():
        return {}
    async with unit_of_work(database, queue) as session:
        if await session.scalar(
            sa.select(CreditingProject.id).where(CreditingProject.methodology_id == METHODOLOGY)
        ):
            return {}
        await _consent(session, season_start(settings) - dt.timedelta(days=1))
        try:
            return await _issue_and_retire(session, settings, registry)
        except DomainError as refused:
            log.info("demo registry not seeded: %s", refused.detail)
            await session.rollback()
            return {}


async def _consent(session: Any, since: dt.datetime) -> None:
    """Nine residents in ten consent (the tenth shows that consent is opt-in)."""
    ids = (
        await session.scalars(
            sa.select(Resident.id).where(Resident.id % 10 != 0, Resident.deleted_at.is_(None))
        )
    ).all()
    await session.execute(sa.update(Resident).where(Resident.id.in_(ids)).values(pooling_consent_since=since))
    if ids:
        await session.execute(
            sa.insert(PoolingConsent), [{"resident_id": i, "granted": True, "at": since} for i in ids]
        )


async def _issue_and_retire(session: Any, settings: Settings, registry: Any) -> dict[str, Any]:
    now = utcnow()
    methodology = registry.current(METHODOLOGY)
    version = next(
        row.version
        for row in await ParamService(session, registry=registry).versions(methodology)
        if row.reason == REASON
    )
    project = await create_project(
        session,
        registry,
        METHODOLOGY,
        f"{settings.city.name_zh}户用光伏减排项目",
        "Tanbi registry (demo)",
        Decimal("0.1"),
        [version],
        "city:demo",
        now,
    )
    yesterday = now.astimezone(settings.zone).date() - dt.timedelta(days=1)
    period = batches.Period(yesterday.year, dt.date(yesterday.year, 1, 1), yesterday)
    batch = await batches.draft(session, settings.zone, project.id, period, "city:demo", now)
    await batches.submit(session, batch.id, now)
    await verify(session, settings, registry, batch.id, 20, VERIFIER, now)
    await operations.issue(session, batch.id, settings.city.name_zh, "city:demo", now)
    buyer = await holdings.add_buyer(session, "江西某钢铁有限公司（演示）", now)
    await operations.sell(
        session,
        batch.id,
        1,
        buyer.id,
        Decimal("43.50"),
        "CEEX-DEMO-0001",
        settings.city.name_zh,
        "city:demo",
        now,
    )
    retirement = await operations.retire(
        session,
        batch.id,
        1,
        buyer.id,
        "江西某钢铁有限公司（演示）",
        f"{yesterday.year} 年度部分排放抵销（演示）",
        settings.city.name_zh,
        "city:demo",
        now,
    )
    return {"batch": batch.id, "units": batch.units, "retirement": retirement.id}
