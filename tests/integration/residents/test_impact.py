"""GET /v1/me/impact on both dialects: accepted grams by methodology and by month in the city's zone."""

from __future__ import annotations

import datetime as dt

from service.identity.principal import Role
from tests.integration.actions.conftest import ZONE, actions_for, bike, bus, new_resident


async def test_impact_sums_accepted_grams_by_methodology_and_local_month(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    # 01:00 on 1 November in the city is still 31 October in UTC: it counts for November.
    first_of_november = dt.datetime(2026, 11, 1, 1, 0, tzinfo=ZONE)
    trips = [
        ("bus_trip", bus(dt.datetime(2026, 10, 30, 8, 0, tzinfo=ZONE))),
        ("bus_trip", bus(first_of_november)),
        ("bus_trip", bus(dt.datetime(2026, 11, 5, 8, 0, tzinfo=ZONE), metres=10_000)),
        ("bike_share_ride", bike(dt.datetime(2026, 11, 5, 18, 0, tzinfo=ZONE))),
        ("bus_trip", bus(dt.datetime(2026, 11, 6, 8, 0, tzinfo=ZONE), minutes=2)),  # rejected: too fast
    ]
    async with database.session() as session:
        resident, other = (
            await new_resident(session, "13900000730"),
            await new_resident(session, "13900000731"),
        )
        recorded = []
        for n, (methodology, evidence) in enumerate(trips):
            start = dt.datetime.fromisoformat(next(iter(evidence.values())))
            service = actions_for(
                session, settings, registry, clock=lambda s=start: s + dt.timedelta(hours=2)
            )
            recorded.append(
                (await service.record_action(resident, methodology, evidence, None, f"i:{n}")).action
            )
        service = actions_for(session, settings, registry, clock=lambda: first_of_november)
        await service.record_action(other, "bus_trip", bus(first_of_november), None, "i:other")
    grams = [a.grams for a in recorded]
    assert [a.status for a in recorded] == ["accepted"] * 4 + ["rejected"]
    assert grams[:3] == [134, 134, 269]
    assert grams[3] > 0

    response = await client.get("/v1/me/impact", headers=bearer(Role.RESIDENT, str(resident)))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "total_grams": 134 + 134 + 269 + grams[3],
        "by_methodology": [
            {"methodology_id": "bike_share_ride", "grams": grams[3], "actions": 1},
            {"methodology_id": "bus_trip", "grams": 134 + 134 + 269, "actions": 3},
        ],
        "by_month": [
            {"month": "2026-10", "grams": 134},
            {"month": "2026-11", "grams": 134 + 269 + grams[3]},
        ],
    }


async def test_impact_of_a_resident_without_actions_is_empty(client, database, bearer) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await new_resident(session, "13900000732")
    response = await client.get("/v1/me/impact", headers=bearer(Role.RESIDENT, str(resident)))
    assert response.json() == {"total_grams": 0, "by_methodology": [], "by_month": []}
