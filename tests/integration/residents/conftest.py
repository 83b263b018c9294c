"""Residents' histories built through the real credit path and ledger, and a partner to bind to."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from service.actions.models import Action
from service.methodology.registry import Registry, load_registry
from service.partners.admin import add_partner
from service.partners.crypto import SecretBox
from tests.integration.actions.conftest import NOW, actions_for, bus, new_resident
from tests.integration.partners.conftest import Signer

TRIP_STARTS = [NOW - dt.timedelta(days=n, hours=3) for n in range(5)]  # five accepted bus trips


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()


@pytest.fixture
async def partner(app, database) -> Signer:  # type: ignore[no-untyped-def]
    services = app.state.services
    box = SecretBox(services.settings.auth.secrets_key.get_secret_value())
    async with database.session() as session:
        created = await add_partner(session, box, services.registry, "Gongqing Bus", ["bus_trip"])
    return Signer(created.id, created.secret)


async def resident_with_trips(database, settings, registry, phone: str) -> tuple[int, list[Action]]:  # type: ignore[no-untyped-def]
    """A resident with five accepted 5 km bus trips (134 g, 13 coins each) on the five days up to NOW,
    then one rejected (2 minutes: implausible speed; overlapping) boarding with the latest trip."""
    async with database.session() as session:
        resident = await new_resident(session, phone)
        service = actions_for(session, settings, registry, clock=lambda: NOW)
        recorded = [
            (await service.record_action(resident, "bus_trip", bus(start), None, f"t:{phone}:{n}")).action
            for n, start in enumerate(TRIP_STARTS)
        ]
        fast = await service.record_action(
            resident, "bus_trip", bus(TRIP_STARTS[0], minutes=2), None, f"t:{phone}:fast"
        )
        recorded.append(fast.action)
    assert [a.status for a in recorded] == ["accepted"] * 5 + ["rejected"]
    return resident, recorded


async def walk(client: httpx.AsyncClient, path: str, headers: dict[str, str], limit: int) -> list[Any]:
    """Every item of a cursor-paginated list, page by page; each page's size checked against ``limit``."""
    items: list[Any] = []
    cursor: str | None = None
    for _ in range(1000):
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = await client.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
        assert len(page["items"]) == limit, "only the last page may be short"
    raise AssertionError("the cursor never ran out")
