"""Pooling consented reductions into batches, on both databases: consent, one batch per action, the units'
arithmetic, the verifier's replay, issuance, and `tanbi registry verify` after each test."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from service.errors import Conflict, Invalid
from service.identity.models import Resident
from service.registry.batches import Period, manifest, manifest_rows, submit
from service.registry.consent import set_consent
from service.registry.models import BatchAction, BatchStatus, PoolingConsent
from service.registry.operations import issue
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


async def _registry_holds(session) -> None:  # type: ignore[no-untyped-def]
    report = await verify_registry(session)
    assert report.ok, report.as_text()


async def test_only_consented_actions_after_the_consent_date_are_pooled(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        version = await conservative_ev(session, registry)
        project = await ev_project(session, registry, version)
        consented = await consenting(session)
        late = await consenting(session, since=dt.datetime(2026, 3, 10, tzinfo=dt.UTC))
        never = await consenting(session, since=None)
        pooled = await charged(session, settings, registry, consented, [march(2), march(3), march(4)])
        before_consent = await charged(session, settings, registry, late, [march(5)])
        after_consent = await charged(session, settings, registry, late, [march(12)])
        await charged(session, settings, registry, never, [march(6), march(7)])
        batch = await drafted(session, settings, project)
        held = [a for a, _, _ in await manifest_rows(session, batch.id)]
        assert held == sorted(pooled + after_consent)
        assert before_consent[0] not in held
        await _registry_holds(session)


async def test_consent_is_opt_in_revocable_and_kept_as_history(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        version = await conservative_ev(session, registry)
        project = await ev_project(session, registry, version)
        resident_id = await consenting(session, since=None)
        resident = await session.get(Resident, resident_id)
        await charged(session, settings, registry, resident_id, [march(2), march(3), march(4)])
        with pytest.raises(Invalid) as nothing:
            await drafted(session, settings, project)
        assert nothing.value.code == "nothing_to_pool"
        await set_consent(session, resident, True, dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
        await set_consent(session, resident, True, dt.datetime(2026, 2, 5, tzinfo=dt.UTC))
        assert resident.pooling_consent_since == dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
        await set_consent(session, resident, False, dt.datetime(2026, 2, 6, tzinfo=dt.UTC))
        with pytest.raises(Invalid):
            await drafted(session, settings, project)
        history = (
            await session.scalars(
                sa.select(PoolingConsent.granted)
                .where(PoolingConsent.resident_id == resident_id)
                .order_by(PoolingConsent.id)
            )
        ).all()
        assert history == [True, False]


async def test_the_units_of_a_batch_and_the_carry_to_the_next(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        version = await conservative_ev(session, registry)
        project = await ev_project(session, registry, version, share="0.1")
        resident = await consenting(session)
        await charged(session, settings, registry, resident, [march(d) for d in range(1, 7)])
        first = await drafted(session, settings, project)
        assert first.gross_grams == first.buffer_grams + first.net_grams
        assert first.buffer_grams >= first.gross_grams * Decimal("0.1")
        assert first.units * 1_000_000 + first.carried_grams == first.net_grams
        assert first.units >= 1
        rows = await manifest_rows(session, first.id)
        assert sum(g for _, g, _ in rows) == first.gross_grams
        assert first.manifest_sha256 == __import__("hashlib").sha256(manifest(rows).encode()).hexdigest()

        await charged(session, settings, registry, resident, [dt.date(2026, 4, d) for d in range(1, 5)])
        second = await drafted(session, settings, project, SECOND_QUARTER)
        assert second.carried_in_grams == first.carried_grams
        assert second.carried_in_buffer_grams == first.carried_buffer_grams
        assert second.units * 1_000_000 + second.carried_grams == second.net_grams + first.carried_grams
        with pytest.raises(Conflict) as overlap:
            await drafted(session, settings, project, Period(2026, dt.date(2026, 6, 1), dt.date(2026, 6, 30)))
        assert overlap.value.code == "period_overlaps"
        await _registry_holds(session)


async def test_a_batch_below_one_tonne_is_refused(database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        version = await conservative_ev(session, registry)
        project = await ev_project(session, registry, version)
        await charged(session, settings, registry, await consenting(session), [march(2)])
        with pytest.raises(Invalid) as small:
            await drafted(session, settings, project)
        assert small.value.code == "below_one_unit"
        assert await session.scalar(sa.select(sa.func.count()).select_from(BatchAction)) == 0


async def test_verify_replays_a_sample_and_records_it_then_issue_makes_the_blocks(
    database, settings, registry
) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        version = await conservative_ev(session, registry)
        project = await ev_project(session, registry, version)
        await charged(session, settings, registry, await consenting(session), [march(d) for d in range(1, 9)])
        batch = await drafted(session, settings, project)
        with pytest.raises(Conflict):
            await verify(session, settings, registry, batch.id, 3, "verifier:1", NOW)
        await submit(session, batch.id, NOW)
        verified = await verify(session, settings, registry, batch.id, 3, "verifier:1", NOW)
        assert verified.status == BatchStatus.VERIFIED
        record = verified.verification
        assert record["outcome"] == "passed"
        assert record["sample_size"] == 3
        assert all(r["matches"] and r["recomputed_grams"] == r["pooled_grams"] for r in record["replays"])
        issued = await issue(session, batch.id, "共青城市", "city:1", NOW)
        assert issued.status == BatchStatus.ISSUED
        await _registry_holds(session)


@pytest.mark.tampers_with_books
async def test_a_tampered_pooled_action_fails_verification_and_stays_submitted(
    database, settings, registry
) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        version = await conservative_ev(session, registry)
        project = await ev_project(session, registry, version)
        await charged(session, settings, registry, await consenting(session), [march(d) for d in range(1, 5)])
        batch = await drafted(session, settings, project)
        await submit(session, batch.id, NOW)
        first = (await manifest_rows(session, batch.id))[0][0]
        await session.execute(
            sa.update(BatchAction).where(BatchAction.action_id == first).values(grams=BatchAction.grams + 1)
        )
        checked = await verify(session, settings, registry, batch.id, 10, "verifier:1", NOW)
        assert checked.status == BatchStatus.SUBMITTED
        assert checked.verification["outcome"] == "failed"
        assert checked.verification["manifest_matches"] is False
        report = await verify_registry(session)
        assert not report.ok
        assert [c.name for c in report.checks if not c.ok] == ["manifests"]
