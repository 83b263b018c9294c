"""Benefit claims racing on PostgreSQL, each on its own connection: free or paid, the stock is never
oversold and the ledger holds exactly the paid vouchers' coins."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
import sqlalchemy as sa

from service.benefits import service as benefits
from service.db.base import utcnow
from service.ledger.verify import verify_ledger
from service.merchants.models import Voucher
from tests.conftest import make_settings
from tests.integration.benefits.conftest import benefit_body
from tests.integration.merchants.conftest import balance, funded_resident, stock_left
from tests.integration.merchants.test_races import _attempt


@pytest.fixture
def pg_settings(tmp_path, pg_url):  # type: ignore[no-untyped-def]
    return make_settings(tmp_path, pg_url)


@pytest.mark.parametrize("price", [0, 10])
async def test_150_claims_on_stock_40_make_exactly_40_vouchers(pg_committed, pg_settings, price: int) -> None:  # type: ignore[no-untyped-def]
    async with pg_committed.session() as session:
        fields = benefit_body(price=price, stock_total=40)
        fields["title"] = fields.pop("title_zh")
        for key in ("valid_from", "valid_until"):
            fields[key] = dt.datetime.fromisoformat(str(fields[key]))
        offer = await benefits.create_benefit(session, fields, "city:test", utcnow())
        residents = [await funded_resident(session, pg_settings, 15, tag=f"b{n}") for n in range(150)]
        await session.commit()

    async def claim(resident: int) -> str:
        return await _attempt(
            pg_committed, lambda s: benefits.claim(s, pg_settings, resident, offer.id, utcnow())
        )

    outcomes = await asyncio.gather(*(claim(r) for r in residents))
    assert outcomes.count("ok") == 40
    assert set(outcomes) == {"ok", "sold_out"}
    async with pg_committed.session() as session:
        assert await stock_left(session, offer.id) == 0
        assert await session.scalar(sa.select(sa.func.count()).select_from(Voucher)) == 40
        held = [await balance(session, f"wallet:{r}") for r in residents]
        assert sum(h for _, h in held) == 40 * price
        assert (await verify_ledger(session)).ok
