"""The demo city's policy benefits: a free park pass for transit riders, a paid bus pass from level 新叶,
and a parking discount at city car parks for NEV drivers with 50 kg avoided. Seeded once: a start that
finds the city's benefits already there adds none."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from service.db.base import utcnow
from service.jobs.queue import JobQueue, unit_of_work
from service.merchants.models import Offer

BENEFITS: tuple[dict[str, Any], ...] = (
    {
        "title": "市公园年票（免费）",
        "title_en": "City parks annual pass (free)",
        "description": "凭券在市内公园入口核销 Show the voucher at any city park gate",
        "price": 0,
        "stock_total": 500,
        "family": "public_transport",
    },
    {
        "title": "公交月票",
        "title_en": "Monthly bus pass",
        "description": "在公交集团服务网点核销 Redeem at a bus group service point",
        "price": 300,
        "stock_total": 200,
        "min_level": 2,
    },
    {
        "title": "市属停车场停车费 5 折",
        "title_en": "Half-price parking at city car parks",
        "description": "新能源汽车车主专享 For new-energy vehicle drivers",
        "price": 50,
        "stock_total": 300,
        "family": "new_energy_vehicles",
        "min_lifetime_grams": 50_000,
    },
)


async def seed_benefits(database: Any, queue: JobQueue) -> list[int]:
    """The city's demo benefits, created unless any benefit exists; their ids (none when already there)."""
    from service.benefits.service import create_benefit

    now = utcnow()
    async with unit_of_work(database, queue) as session:
        if await session.scalar(sa.select(Offer.id).where(Offer.benefit.is_(True)).limit(1)) is not None:
            return []
        window = {"valid_from": now, "valid_until": now + dt.timedelta(days=180), "per_resident_limit": 1}
        return [(await create_benefit(session, body | window, "demo", now)).id for body in BENEFITS]
