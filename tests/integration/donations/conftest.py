"""Donation fixtures: projects made the way the city makes them, residents with coins, the books' totals."""

from __future__ import annotations

import sqlalchemy as sa

from service.db.base import utcnow
from service.donations.models import Donation, WelfareProject
from service.donations.projects import create_project
from service.ledger.models import Account, Transfer
from service.settings import Settings
from tests.integration.merchants.conftest import balance, funded_resident

__all__ = ["balance", "books", "funded_resident", "new_project"]


async def new_project(  # type: ignore[no-untyped-def]
    session, settings: Settings, *, goal: int = 1000, active: bool = True, name: str = "植树 Trees"
) -> WelfareProject:
    fields = {
        "kind": "tree_planting",
        "name_zh": name,
        "name_en": name,
        "description_zh": "",
        "description_en": "",
        "goal_coins": goal,
        "active": active,
    }
    return await create_project(session, settings, fields, "test", utcnow())


async def books(session) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Coins in wallets and projects, donations' coins, and how many transfers and donations exist."""

    async def total(kind: str) -> int:
        stmt = sa.select(sa.func.coalesce(sa.func.sum(Account.balance), 0)).where(Account.kind == kind)
        return int(await session.scalar(stmt.execution_options(populate_existing=True)))

    return {
        "wallets": await total("wallet"),
        "projects": await total("project"),
        "donated": int(await session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Donation.coins), 0)))),
        "transfers": int(await session.scalar(sa.select(sa.func.count()).select_from(Transfer))),
        "donations": int(await session.scalar(sa.select(sa.func.count()).select_from(Donation))),
    }
