"""The demo's projects and gifts: seeded once, gifts a resident cannot afford skipped, the books intact."""

from __future__ import annotations

from service.donations.demo import GIFTS, PROJECTS, seed_welfare
from service.ledger.verify import verify_ledger
from tests.integration.donations.conftest import books, funded_resident


async def test_seeded_once_with_the_gifts_the_residents_can_afford(app, database, settings) -> None:  # type: ignore[no-untyped-def]
    queue = app.state.services.queue
    async with database.session() as session:
        sign_in = [await funded_resident(session, settings, 150, tag=f"demo{n}") for n in range(5)]
        await session.commit()
    first = await seed_welfare(settings, database, queue, sign_in)
    affordable = [gift for gift in GIFTS if gift[2] <= 150]  # one resident gives twice: 50 + 30 fits
    assert first == {"projects": len(PROJECTS), "donations": len(affordable)}
    again = await seed_welfare(settings, database, queue, sign_in)
    assert again == {"projects": 0, "donations": 0}
    async with database.session() as session:
        totals = await books(session)
        assert (totals["donations"], totals["projects"]) == (len(affordable), sum(g[2] for g in affordable))
        report = await verify_ledger(session)
        assert report.ok, report.as_text()
