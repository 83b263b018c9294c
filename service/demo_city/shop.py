"""The demo city's shop and city office: a tea house with approved offers, residents spending there, and the
city user whose key opens the dashboard."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import sqlalchemy as sa

from service.db.base import utcnow
from service.jobs.queue import JobQueue, unit_of_work
from service.settings import Settings


async def merchant_and_city_user(settings: Settings, database: Any, queue: JobQueue) -> dict[str, Any]:
    from service.identity.city_users import add_city_user
    from service.merchants.admin import add_merchant
    from service.merchants.models import Offer
    from service.merchants.profiles import update_profile

    now = utcnow()
    async with unit_of_work(database, queue) as session:
        merchant_id, merchant_key = await add_merchant(session, "青城茶社 Qingcheng Tea House")
        await update_profile(
            session,
            merchant_id,
            {
                "address": "江西省九江市共青城市青年大道 1 号",
                "latitude": 29.2483,  # the town centre (WGS 84)
                "longitude": 115.8054,
                "category": "drinks",
            },
            "demo",
        )
        offers = []
        for zh, en, price, stock in (
            ("绿茶一杯", "A cup of green tea", 30, 800),
            ("帆布袋", "Canvas tote", 80, 50),
        ):
            offers.append(
                Offer(
                    merchant_id=merchant_id,
                    title=zh,
                    title_en=en,
                    description="",
                    price=price,
                    stock_total=stock,
                    stock_left=stock,
                    # A sign-in resident has had a cup and holds another (demo_city._sign_in_vouchers), and
                    # may also be one of the residents spending here at random: three, not two.
                    per_resident_limit=3,
                    valid_from=now,
                    valid_until=now + dt.timedelta(days=180),
                    active=True,
                    approved_at=now,
                    approved_by="demo",
                    created_at=now,
                    updated_at=now,
                )
            )
        session.add_all(offers)
        await session.flush()
        city_id, city_key = await add_city_user(session, "Demo city office", "city")
    return {
        "merchant": {"id": merchant_id, "api_key": merchant_key},
        "city_user": {"id": city_id, "api_key": city_key},
        "tea": offers[0].id,
    }


async def spending(
    settings: Settings, database: Any, queue: JobQueue, merchant_id: int, offer_id: int, rng: random.Random
) -> dict[str, int]:
    """Some residents spend at the tea house: a voucher for a cup (most consumed at the counter, some still
    held), and a pay-code charge for a few coins more; through the same code as the API's."""
    from service.ledger.models import Account, AccountKind
    from service.merchants.paycodes import charge, issue_paycode
    from service.merchants.vouchers import claim, consume

    now, counts = utcnow(), {"vouchers": 0, "consumed": 0, "charges": 0}
    async with unit_of_work(database, queue) as session:
        wallets = await session.scalars(
            sa.select(Account.owner_id)
            .where(Account.kind == AccountKind.WALLET, Account.balance >= 60)
            .order_by(Account.owner_id)
        )
        for resident_id in wallets.all():
            if rng.random() >= 0.3:
                continue
            voucher = await claim(session, settings, resident_id, offer_id, now)
            counts["vouchers"] += 1
            if rng.random() < 0.8:
                await consume(session, settings, merchant_id, voucher.code, now)
                counts["consumed"] += 1
            if rng.random() < 0.3:
                paycode = await issue_paycode(session, settings, resident_id, now)
                await charge(session, settings, merchant_id, paycode.code, 20, f"demo-{resident_id}", now)
                counts["charges"] += 1
    return counts
