"""The demo city's benefits are seeded once: one free, paid ones, each with its own rule."""

from __future__ import annotations

import sqlalchemy as sa

from service.demo_city.benefits import seed_benefits
from service.merchants.models import Offer


async def test_demo_benefits_are_seeded_once(app, database) -> None:  # type: ignore[no-untyped-def]
    queue = app.state.services.queue
    made = await seed_benefits(database, queue)
    assert len(made) == 3
    assert await seed_benefits(database, queue) == []
    async with database.session() as session:
        rows = (await session.scalars(sa.select(Offer).where(Offer.benefit.is_(True)))).all()
    assert sorted(o.id for o in rows) == sorted(made)
    assert sorted(o.price == 0 for o in rows) == [False, False, True]
    rules = {(o.min_level, o.min_lifetime_grams, o.family) for o in rows}
    assert len(rules) == 3
    assert all(any(r) for r in rules)
