"""Issued units on both databases: sales split blocks, retirement is final, a reversal after issuance
cancels buffer units, and the records cannot be edited. `tanbi registry verify` holds after each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from service.actions.counting import take_back
from service.actions.models import Action
from service.city.rollups import RollupLog
from service.errors import Conflict
from service.registry.batches import manifest_rows, submit
from service.registry.holdings import add_buyer, held, singleton
from service.registry.models import (
    BatchAction,
    CreditBatch,
    CreditingProject,
    HolderKind,
    OperationKind,
    RegistryOperation,
    Retirement,
    SerialBlock,
)
from service.registry.operations import issue, retire, sell
from service.registry.serials import Serial, parse
from service.registry.verification import verify
from service.registry.verify import verify_registry
from tests.integration.registry.conftest import (
    SECOND_QUARTER,
    charged,
    consenting,
    conservative_ev,
    drafted,
    ev_project,
    march,
)

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
CITY = "共青城市"


async def issued_batch(session, settings, registry, sessions: int = 14, share: str = "0.3") -> CreditBatch:  # type: ignore[no-untyped-def]
    version = await conservative_ev(session, registry)
    project = await ev_project(session, registry, version, share=share)
    resident = await consenting(session)
    await charged(session, settings, registry, resident, [march(1 + n % 28) for n in range(sessions)])
    batch = await drafted(session, settings, project)
    await submit(session, batch.id, NOW)
    await verify(session, settings, registry, batch.id, 5, "verifier:1", NOW)
    return await issue(session, batch.id, CITY, "city:1", NOW)


async def _ok(session) -> None:  # type: ignore[no-untyped-def]
    report = await verify_registry(session)
    assert report.ok, report.as_text()


async def _ranges(session, holder_id: int, batch_id: int) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    return [(b.first, b.last) for b in await held(session, holder_id, batch_id)]


async def test_issuance_gives_the_city_and_the_buffer_contiguous_blocks(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        batch = await issued_batch(session, settings, registry)
        assert batch.units >= 2
        assert batch.buffer_units >= 1
        city = await singleton(session, HolderKind.CITY)
        buffer = await singleton(session, HolderKind.BUFFER)
        assert city.name == CITY
        assert await _ranges(session, city.id, batch.id) == [(1, batch.units)]
        total = batch.units + batch.buffer_units
        assert await _ranges(session, buffer.id, batch.id) == [(batch.units + 1, total)]
        serial = Serial(settings.city.registry_code, "ev_charging", 2026, batch.id, 1)
        assert str(serial).startswith(f"TB-GQC-ev_charging-2026-B{batch.id}-0000001-")
        assert parse(str(serial)) == serial
        await _ok(session)


async def test_a_sale_splits_the_block_and_records_its_price(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        batch = await issued_batch(session, settings, registry)
        city = await singleton(session, HolderKind.CITY)
        buyer = await add_buyer(session, "江西某钢铁有限公司", NOW)
        sale = await sell(
            session, batch.id, 1, buyer.id, Decimal("43.50"), "CEEX-2026-0001", CITY, "city:1", NOW
        )
        assert sale.kind == OperationKind.TRANSFER
        assert sale.details == {
            "price_per_tonne": "43.50",
            "currency": "CNY",
            "exchange_reference": "CEEX-2026-0001",
        }
        assert await _ranges(session, buyer.id, batch.id) == [(1, 1)]
        assert await _ranges(session, city.id, batch.id) == [(2, batch.units)]
        with pytest.raises(Conflict) as short:
            await sell(session, batch.id, batch.units, buyer.id, Decimal("40"), "X", CITY, "city:1", NOW)
        assert short.value.code == "not_enough_units"
        assert await _ranges(session, city.id, batch.id) == [(2, batch.units)]
        operations = await session.scalar(sa.select(sa.func.count()).select_from(RegistryOperation))
        assert operations == 3  # two issues and the one sale: the refused sale left nothing
        await _ok(session)


async def test_retirement_is_final_and_has_one_block(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        batch = await issued_batch(session, settings, registry)
        buyer = await add_buyer(session, "某银行", NOW)
        await sell(session, batch.id, 2, buyer.id, Decimal("45"), "REF", CITY, "city:1", NOW)
        retirement = await retire(
            session, batch.id, 1, buyer.id, "某银行2026年度运营", "碳中和", CITY, "city:1", NOW
        )
        assert retirement.units == 1
        assert retirement.holder_name == "某银行"
        retired = await singleton(session, HolderKind.RETIREMENT)
        block = await session.get(SerialBlock, retirement.block_id)
        assert (block.holder_id, block.first, block.last) == (retired.id, 1, 1)
        with pytest.raises(Conflict) as final:
            await retire(session, batch.id, 1, retired.id, "someone else", "again", CITY, "city:1", NOW)
        assert final.value.code == "not_retirable"
        await _ok(session)


async def test_the_records_refuse_edits_and_deletes(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        batch = await issued_batch(session, settings, registry)
        buyer = await add_buyer(session, "某公司", NOW)
        await sell(session, batch.id, 1, buyer.id, Decimal("40"), "R", CITY, "city:1", NOW)
        await retire(session, batch.id, 1, buyer.id, "某公司", "履约", CITY, "city:1", NOW)
        for statement in (
            sa.update(SerialBlock).values(holder_id=buyer.id),
            sa.delete(SerialBlock),
            sa.update(RegistryOperation).values(units=99),
            sa.delete(Retirement),
        ):
            with pytest.raises((DBAPIError, IntegrityError)):
                async with session.begin_nested():
                    await session.execute(statement)
        await _ok(session)


async def test_a_reversal_after_issuance_cancels_buffer_units(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        batch = await issued_batch(session, settings, registry)
        buffer = await singleton(session, HolderKind.BUFFER)
        before = await _ranges(session, buffer.id, batch.id)
        first, second = [a for a, _, _ in await manifest_rows(session, batch.id)][:2]
        action = await session.get(Action, first)
        await take_back(session, RollupLog(), settings.zone, action, NOW)
        await session.refresh(batch)
        assert batch.reversed_grams == action.grams
        cancels = (
            await session.scalars(
                sa.select(RegistryOperation).where(RegistryOperation.kind == OperationKind.CANCEL)
            )
        ).all()
        assert [c.units for c in cancels] == [1]
        assert cancels[0].details["actions"] == [first]
        assert (
            await _ranges(session, buffer.id, batch.id) == [(before[0][0] + 1, before[0][1])]
            or before[0][0] == before[0][1]
        )
        # A second reversal within the same tonne cancels nothing more.
        await take_back(session, RollupLog(), settings.zone, await session.get(Action, second), NOW)
        cancelled = await session.scalar(
            sa.select(sa.func.sum(RegistryOperation.units)).where(
                RegistryOperation.kind == OperationKind.CANCEL
            )
        )
        assert cancelled == -(-(batch.reversed_grams) // 1_000_000)
        await _ok(session)


async def test_an_action_is_in_one_batch_ever(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        batch = await issued_batch(session, settings, registry, sessions=6, share="0.1")
        action_id = (await manifest_rows(session, batch.id))[0][0]
        resident_id = (await session.get(Action, action_id)).resident_id
        twice = BatchAction(
            action_id=action_id, resident_id=resident_id, batch_id=batch.id, grams=1, params_hash="x"
        )
        async with session.begin_nested() as savepoint:
            session.add(twice)
            with pytest.raises(IntegrityError):
                await session.flush()
            await savepoint.rollback()


async def test_a_late_credit_goes_to_the_next_batch(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    """An action of the first period credited after its batch was issued is pooled by the next one."""
    async with database.session() as session:
        first = await issued_batch(session, settings, registry, sessions=6, share="0.1")
        resident = await consenting(session)
        late = await charged(session, settings, registry, resident, [march(29), march(30), march(31)])
        more = await charged(session, settings, registry, resident, [dt.date(2026, 4, d) for d in (2, 3, 4)])
        project = await session.get(CreditingProject, first.project_id)
        second = await drafted(session, settings, project, SECOND_QUARTER)
        assert [a for a, _, _ in await manifest_rows(session, second.id)] == sorted(late + more)
        assert not set(late) & {a for a, _, _ in await manifest_rows(session, first.id)}
        await _ok(session)
