"""The demo city's public-welfare projects and a few donations from the residents one can sign in as.

Seeded once: a later start finds the projects and leaves them (and what was given to them) alone. Each gift
carries an Idempotency-Key, so a start that stopped half-way gives nothing twice when it runs again.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from service.db.base import utcnow
from service.donations.models import ProjectKind, WelfareProject
from service.donations.projects import create_project
from service.donations.service import donate
from service.errors import DomainError
from service.jobs.queue import JobQueue, unit_of_work
from service.settings import Settings

PROJECTS = (
    {
        "kind": ProjectKind.TREE_PLANTING,
        "name_zh": "青年林植树",
        "name_en": "Youth Forest tree planting",
        "description_zh": "在共青城青年林种植本地树种，每 100 碳币种下一棵树苗。",
        "description_en": "Native trees in Gongqingcheng's Youth Forest: one sapling per 100 coins.",
        "goal_coins": 20_000,
    },
    {
        "kind": ProjectKind.MANGROVE,
        "name_zh": "红树林保护（结对湛江）",
        "name_en": "Mangrove protection (twinned with Zhanjiang)",
        "description_zh": "与湛江红树林国家级自然保护区结对，资助红树林修复与巡护。",
        "description_en": "Twinned with the Zhanjiang Mangrove Reserve: restoration and patrols.",
        "goal_coins": 15_000,
    },
    {
        "kind": ProjectKind.SCHOOL_SOLAR,
        "name_zh": "共青城中学光伏屋顶",
        "name_en": "Solar roof for Gongqingcheng Middle School",
        "description_zh": "为共青城中学教学楼屋顶安装光伏板，所发电量供学校使用。",
        "description_en": "Solar panels on the middle school's teaching building, powering the school.",
        "goal_coins": 30_000,
    },
)
# (index of the sign-in resident, project, coins, name on the certificate or None for 匿名)
GIFTS = (
    (0, 0, 50, "小林"),
    (1, 1, 80, None),
    (2, 0, 120, "陈老师"),
    (3, 2, 200, "初二(3)班家长"),
    (4, 1, 60, None),
    (0, 2, 30, "小林"),
)


async def seed_welfare(
    settings: Settings, database: Any, queue: JobQueue, sign_in: list[int]
) -> dict[str, int]:
    """Three projects and a few donations; nothing if projects exist already. Returns what it made."""
    async with unit_of_work(database, queue) as session:
        if await session.scalar(sa.select(sa.func.count()).select_from(WelfareProject)):
            return {"projects": 0, "donations": 0}
        now = utcnow()
        projects = [await create_project(session, settings, dict(p), "demo", now) for p in PROJECTS]
        made = 0
        for n, (who, which, coins, name) in enumerate(GIFTS):
            if who >= len(sign_in):
                continue
            try:
                await donate(
                    session,
                    settings,
                    sign_in[who],
                    projects[which].id,
                    coins,
                    donor_name=name,
                    client_key=f"demo-gift-{n}",
                    now=now,
                )
            except DomainError:
                continue  # a resident who spent their coins elsewhere: the demo goes on without the gift
            made += 1
    return {"projects": len(projects), "donations": made}
