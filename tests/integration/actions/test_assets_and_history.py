"""Rooftop PV: a partner's record of a system credits only its owner; meter series are checked too.

Since rooftop_solar 2.0.0 the system's capacity comes from the installer's or the grid company's record, sent
by that partner; a resident can no longer declare it (methodologies.md, "Eligibility is proven").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from service.actions.assets import record_partner_asset, register_asset
from service.actions.models import Asset, AssetSource
from service.db.base import utcnow
from service.errors import Conflict, Forbidden, Invalid
from service.partners.models import Partner
from tests.integration.actions.conftest import PV_SYSTEM, ZONE, actions_for, new_resident

NOW_PV = dt.datetime(2026, 7, 2, 12, 0, tzinfo=ZONE)
JUNE = (dt.datetime(2026, 6, 1, tzinfo=ZONE), dt.datetime(2026, 7, 1, tzinfo=ZONE))


def reading(start: dt.datetime, end: dt.datetime, **energy: str) -> dict[str, str]:
    return {
        "system_id": "PV-001",
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "gec_issued_kwh": "0",
        **energy,
    }


async def installer(session: Any, name: str = "Jiangxi PV installer") -> int:
    partner = Partner(name=name, methodologies=["rooftop_solar"], created_at=utcnow())
    session.add(partner)
    await session.flush()
    return partner.id


async def record(session: Any, registry: Any, partner: int, owner: int | None, ref: str = "PV-001") -> Asset:
    return await record_partner_asset(
        session, registry, partner, f"subject-of-{owner}", owner, "pv_system", ref, PV_SYSTEM
    )


async def test_generation_credits_the_registered_owner_only(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        owner, neighbour = (
            await new_resident(session, "13900000011"),
            await new_resident(session, "13900000012"),
        )
        service = actions_for(session, settings, registry, clock=lambda: NOW_PV)
        before = await service.record_action(
            owner, "rooftop_solar", reading(*JUNE, energy_kwh="600"), None, "pv:0"
        )
        assert before.action.reasons == ["unregistered_asset"]
        await record(session, registry, await installer(session), owner)
        stranger = await service.record_action(
            neighbour, "rooftop_solar", reading(*JUNE, energy_kwh="600"), None, "pv:1"
        )
        assert stranger.action.reasons == ["unregistered_asset"]
        credited = await service.record_action(
            owner, "rooftop_solar", reading(*JUNE, energy_kwh="600"), None, "pv:2"
        )
        # 600 kWh x 527.1 = 316260 g, clipped to the system's 50,000 g a month.
        assert (credited.action.status, credited.action.grams, credited.action.coins) == (
            "accepted",
            50000,
            5000,
        )
        assert Decimal(credited.action.breakdown["exact_grams"]) == 316260
        clipped = [c for c in credited.action.breakdown["caps"] if "clipped_to" in c]
        assert [(c["reason"], c["clipped_to"]) for c in clipped] == [("monthly_cap", 50000)]
        assert credited.action.context["asset_source"] == "partner"


async def test_a_residents_own_declaration_does_not_count(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        owner = await new_resident(session, "13900000016")
        with pytest.raises(Forbidden) as refused:
            await register_asset(session, registry, owner, "pv_system", "PV-001", PV_SYSTEM)
        assert refused.value.code == "asset_registered_by_partner"
        # A system a resident declared before 2.0.0 stays on file, but no longer credits.
        session.add(
            Asset(
                kind="pv_system",
                ref="PV-001",
                resident_id=owner,
                source=AssetSource.RESIDENT,
                attributes=PV_SYSTEM,
                created_at=utcnow(),
            )
        )
        await session.flush()
        service = actions_for(session, settings, registry, clock=lambda: NOW_PV)
        declared = await service.record_action(
            owner, "rooftop_solar", reading(*JUNE, energy_kwh="300"), None, "pv:d"
        )
        assert (declared.action.status, declared.action.reasons) == ("rejected", ["unverified_asset"])


async def test_a_meter_period_is_credited_once_and_meters_never_run_back(
    database, settings, registry
) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        owner = await new_resident(session, "13900000013")
        await record(session, registry, await installer(session), owner)
        service = actions_for(session, settings, registry, clock=lambda: NOW_PV)
        day = dt.timedelta(days=1)
        d20 = dt.datetime(2026, 6, 20, tzinfo=ZONE)
        first = await service.record_action(
            owner,
            "rooftop_solar",
            reading(d20, d20 + day, meter_start_kwh="1000", meter_end_kwh="1025"),
            None,
            "m:1",
        )
        assert (first.action.status, first.action.grams) == ("accepted", 13177)
        again = await service.record_action(
            owner, "rooftop_solar", reading(d20, d20 + day, energy_kwh="20"), None, "m:2"
        )
        assert again.action.reasons == ["overlap"]
        rollback = await service.record_action(
            owner,
            "rooftop_solar",
            reading(d20 + day, d20 + 2 * day, meter_start_kwh="1010", meter_end_kwh="1030"),
            None,
            "m:3",
        )
        assert rollback.action.reasons == ["meter_rollback"]
        assert rollback.action.context["previous"]["meter_end_kwh"] == "1025"


async def test_the_yearly_cap_clips_then_refuses(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    """50,000 g a system a month, 400,000 g a resident a year: the household stays in proportion."""
    async with database.session() as session:
        owner = await new_resident(session, "13900000017")
        await record(session, registry, await installer(session), owner)
        service = actions_for(session, settings, registry)
        credited = []
        for month, kwh in enumerate(["200"] * 7 + ["60", "200", "200"], start=1):
            start = dt.datetime(2026, month, 1, tzinfo=ZONE)
            end = (start + dt.timedelta(days=32)).replace(day=1)
            recorded = await service.record_action(
                owner,
                "rooftop_solar",
                reading(start, end, energy_kwh=kwh),
                None,
                f"y:{month}",
                received_at=end + dt.timedelta(days=1),
            )
            credited.append((recorded.action.grams, recorded.action.reasons))
        # Seven months at the monthly cap, 60 kWh (31,626 g) in August, what is left of the year in
        # September, nothing in October.
        assert credited == [(50000, [])] * 7 + [(31626, []), (18374, []), (0, ["yearly_cap"])]
        assert sum(grams for grams, _ in credited) == 400000


async def test_asset_record_rules(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        owner = await new_resident(session, "13900000014")
        partner, other_partner = await installer(session), await installer(session, "Grid company")
        first = await record(session, registry, partner, owner, "PV-9")
        assert (await record(session, registry, partner, owner, "PV-9")).id == first.id
        with pytest.raises(Conflict) as taken:
            await record(session, registry, other_partner, owner, "PV-9")
        assert taken.value.code == "asset_exists"
        with pytest.raises(Invalid) as bad:
            await record_partner_asset(
                session, registry, partner, "s", owner, "pv_system", "PV-10", {**PV_SYSTEM, "latitude": 123}
            )
        assert bad.value.code == "invalid_asset"
        with pytest.raises(Invalid) as unknown:
            await register_asset(session, registry, owner, "windmill", "W-1", {})
        assert unknown.value.code == "unknown_asset_kind"
        pending = await record(session, registry, partner, None, "PV-11")
        assert pending.resident_id is None
