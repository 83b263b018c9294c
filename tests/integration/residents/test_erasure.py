"""Erasure unlinks (issue 13): after every resident of a seeded demo city deletes their account, nothing
stored holds a partner subject, an identifying or personal evidence value or a rooftop's coordinates
linked to an action, while the ledger, the roll-ups and a replay of every credit still hold."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from service.actions.models import Action, Asset, CapCounter, EvidenceClaim, Occupancy
from service.actions.replay import Replayer
from service.city.verify import verify_rollups
from service.db.base import Base, utcnow
from service.demo import seed_demo
from service.identity.principal import Role
from service.ledger.verify import verify_ledger
from service.partners.models import Binding, LinkToken, PartnerEvent
from service.residents.deletion import delete_account
from tests.integration.actions.conftest import actions_for, new_resident

DEMO_RESIDENTS = 150
# Rows that may keep an evidence value, because they guard against crediting it twice, as long as they
# no longer say which action (and so which resident) it was.
GUARDS = {EvidenceClaim.__tablename__: "key", Occupancy.__tablename__: "scope_key"}
# A vehicle's or a system's cap counters say how much it was credited in a month, not to whom.
COUNTERS = CapCounter.__tablename__


@pytest.fixture
async def city(app, database, settings, monkeypatch) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TANBI_DEMO_RESIDENTS", str(DEMO_RESIDENTS))
    services = app.state.services
    await seed_demo(settings, database, services.queue, services.registry)
    return {"registry": services.registry}


async def test_erasing_every_resident_leaves_no_link_and_the_books_hold(
    app, client, database, settings, city, bearer
) -> None:  # type: ignore[no-untyped-def]
    registry = city["registry"]
    async with database.session() as session:
        secrets, numbers = await _personal_values(session, registry)
        before = await _personal_fields(session, registry)
        residents = sorted(set((await session.scalars(sa.select(Binding.resident_id))).all()))
        claimed = {
            (a.methodology_id, a.code_version): dict(a.evidence)  # as credited, before erasure
            for a in (await session.scalars(sa.select(Action).where(Action.status == "accepted"))).all()
            if registry.version(a.methodology_id, a.code_version).claims(
                registry.version(a.methodology_id, a.code_version).Evidence.model_validate(a.evidence)
            )
        }
    families = {m for m, _ in claimed}
    assert {"e_invoice", "ev_charging", "online_bill"} <= families, families
    assert any(s.startswith("hk1:") for s in secrets)
    assert numbers, "the city has rooftops"

    first, rest = residents[0], residents[1:]
    assert (await client.delete("/v1/me", headers=bearer(Role.RESIDENT, str(first)))).status_code == 204
    async with database.session() as session:
        for resident in rest:
            await delete_account(session, registry, settings.zone, resident, utcnow())

    async with database.session() as session:
        leaks = [leak async for leak in _leaks(session, secrets, numbers)]
        after = await _personal_fields(session, registry)
        _assert_pseudonymised(before, after, secrets)
        assert sorted(set(leaks))[:40] == [], "\n".join(map(str, sorted(set(leaks))[:40]))
        assert await session.scalar(sa.select(sa.func.count()).select_from(LinkToken)) == 0
        assert set((await session.scalars(sa.select(Binding.subject_hash))).all()) == {"erased"}
        assert set((await session.scalars(sa.select(PartnerEvent.subject_hash))).all()) == {"erased"}
        assert set(map(str, (await session.scalars(sa.select(PartnerEvent.evidence))).all())) == {"{}"}
        assets = (await session.scalars(sa.select(Asset))).all()
        assert assets
        assert all("latitude" not in a.attributes and a.subject_hash is None for a in assets)

        assert (await verify_ledger(session)).ok
        assert (await verify_rollups(session, settings)).ok
        replayer = Replayer(session, settings, registry)
        checked, differing = await replayer.replay(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        total = await session.scalar(sa.select(sa.func.count()).select_from(Action))
        assert checked == total > 0
        assert [r.differences for r in differing] == []

        # The guards still hold: the same invoice, charging session or bill is refused for someone new.
        service = actions_for(session, settings, registry, clock=utcnow)
        newcomer = await new_resident(session, "13900000777")
        for (methodology_id, _), evidence in sorted(claimed.items()):
            again = await service.record_action(
                newcomer, methodology_id, evidence, None, f"again:{methodology_id}"
            )
            assert again.action.status == "rejected", (methodology_id, again.action.reasons)


async def _personal_values(session, registry) -> tuple[set[str], set[float]]:  # type: ignore[no-untyped-def]
    """Every value erasure must unlink: subjects, identifying and personal evidence, asset coordinates."""
    values: set[str] = set((await session.scalars(sa.select(Binding.subject_hash))).all())
    values |= set((await session.scalars(sa.select(PartnerEvent.subject_hash))).all())
    for action in (await session.scalars(sa.select(Action))).all():
        model = registry.version(action.methodology_id, action.code_version).Evidence
        fields = set(model.identifiers()) | set(model.personal_fields())
        values |= {str(v) for k, v in action.evidence.items() if k in fields and v is not None}
    numbers: set[float] = set()
    for asset in (await session.scalars(sa.select(Asset))).all():
        values.add(asset.ref)
        numbers |= {float(asset.attributes["latitude"]), float(asset.attributes["longitude"])}
    return values, numbers


async def _personal_fields(session, registry) -> dict[tuple[int, int, str], str]:  # type: ignore[no-untyped-def]
    """(resident, action, field) -> value of every identifying or personal evidence field."""
    found = {}
    for action in (await session.scalars(sa.select(Action))).all():
        model = registry.version(action.methodology_id, action.code_version).Evidence
        for name in (*model.identifiers(), *model.personal_fields()):
            if action.evidence.get(name) is not None:
                found[(action.resident_id, action.id, name)] = action.evidence[name]
    return found


def _assert_pseudonymised(
    before: dict[tuple[int, int, str], str], after: dict[tuple[int, int, str], str], secrets: set[str]
) -> None:
    """Every value replaced by one no original has; within a resident, equal values stay equal and
    different ones different (so checks comparing them decide the same)."""
    assert before.keys() == after.keys()
    assert not secrets & set(after.values())
    for resident in {r for r, _, _ in before}:
        pairs = {(before[k], after[k]) for k in before if k[0] == resident}
        assert len({old for old, _ in pairs}) == len({new for _, new in pairs}) == len(pairs)


async def _leaks(session, secrets: set[str], numbers: set[float]) -> Any:  # type: ignore[no-untyped-def]
    """(table, column, value) for every stored value that is or contains a personal value, except guards
    that no longer name their action."""
    for table in Base.metadata.sorted_tables:
        for row in (await session.execute(sa.select(table))).mappings().all():
            if table.name == COUNTERS:
                continue
            detached = table.name in GUARDS and row["action_id"] is None
            for column, value in row.items():
                if detached and column == GUARDS[table.name]:
                    continue
                for found in _scalars(value):
                    if _matches(found, secrets, numbers):
                        yield table.name, column, found


def _scalars(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _scalars(item)
    elif isinstance(value, list):
        for item in value:
            yield from _scalars(item)
    else:
        yield value


def _matches(value: Any, secrets: set[str], numbers: set[float]) -> bool:
    if isinstance(value, float):
        return value in numbers
    if not isinstance(value, str):
        return False
    if len(value) >= 4 and value in secrets:  # a route "12" is in every other key; see the field check
        return True
    # Keys join values with colons ("claim:hk1:...", "r12:vehicle:..."): parts and pairs of parts, when
    # long enough not to be a number or a route ("1", "K3") that any key may contain by chance.
    parts = value.split(":")
    pieces = {*parts, *(f"{a}:{b}" for a, b in itertools.pairwise(parts))}
    return any(len(piece) >= 6 and piece in secrets for piece in pieces)
