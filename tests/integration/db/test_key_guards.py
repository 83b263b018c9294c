"""On both databases: a row of actions, transfers or partner events, or of their key tables, is never
deleted nor re-keyed (migration 0022), which is what lets a key row name its row without a foreign key."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from service.actions.keys import CREDIT_PATH_CHECKS
from service.ledger.verify import verify_ledger
from tests.integration.actions.conftest import registry  # noqa: F401  (fixture)
from tests.integration.db.test_partitions import credit


@pytest.mark.parametrize(
    ("statement", "table"),
    [
        ("DELETE FROM transfers WHERE id = :transfer", "transfers"),
        ("UPDATE transfers SET idempotency_key = 'forged' WHERE id = :transfer", "transfers"),
        ("DELETE FROM actions WHERE id = :action", "actions"),
        ("UPDATE actions SET source_key = 'forged' WHERE id = :action", "actions"),
        ("DELETE FROM action_keys WHERE action_id = :action", "action_keys"),
        ("DELETE FROM action_sources WHERE action_id = :action", "action_sources"),
        ("UPDATE action_keys SET resident_id = 0 WHERE action_id = :action", "action_keys"),
        ("UPDATE transfers SET resident_id = 0 WHERE id = :transfer", "transfers"),
        ("UPDATE transfer_keys SET transfer_id = 1 WHERE transfer_id = :transfer", "transfer_keys"),
    ],
)
async def test_rows_and_their_keys_are_never_deleted_nor_rekeyed(
    statement: str,
    table: str,
    database: Any,
    settings: Any,
    registry: Any,  # noqa: F811
) -> None:
    """What lets a key row name its row without a foreign key into the partitioned table."""
    async with database.session() as session:
        action = await credit(session, settings, registry, "test:partition:fixed")
        refused = (
            rf"{table}(_legacy|_\d{{6}})?: rows are never deleted nor their keys changed"  # or its partition
        )
        with pytest.raises(sa.exc.DBAPIError, match=refused):
            async with session.begin_nested():
                await session.execute(
                    sa.text(statement), {"action": action.id, "transfer": action.transfer_id}
                )
        # Other columns still change (the statements' tests move a transfer's time).
        moved = "UPDATE transfers SET created_at = created_at WHERE id = :id"
        assert (await session.execute(sa.text(moved), {"id": action.transfer_id})).rowcount == 1


@pytest.mark.tampers_with_books
async def test_ledger_verify_names_a_key_row_without_its_row(
    database: Any,
    settings: Any,
    registry: Any,  # noqa: F811
) -> None:
    """Key rows can be added by hand (only deleting and re-keying are refused): verify finds the strays."""
    ghost = 999_999
    forged = {
        "transfer_keys (idempotency_key, resident_id, transfer_id)": "('forged', 1, :ghost)",
        "action_sources (source_key, action_id)": "('forged', :ghost)",
        "partner_event_keys (partner_id, event_id, partner_event_id)": "(1, 'forged', :ghost)",
    }
    async with database.session() as session:
        await credit(session, settings, registry, "test:keys:stray")
        for target, values in forged.items():
            await session.execute(sa.text(f"INSERT INTO {target} VALUES {values}"), {"ghost": ghost})
        report = await verify_ledger(session, *CREDIT_PATH_CHECKS)
    found = {c.name: c.mismatches for c in report.checks if not c.ok}
    assert found == {
        "transfers_match_their_keys": [f"transfer_keys 'forged': transfer {ghost} does not stand so"],
        "replay_guards_hold": [
            f"action_sources 'forged': action {ghost} does not stand so",
            f"partner_event_keys 'forged': no partner event {ghost} under it",
        ],
    }


@pytest.mark.tampers_with_books
async def test_ledger_verify_names_a_reference_the_database_no_longer_holds(database: Any) -> None:
    """The foreign keys the Citus plan gives up (service/db/distribution.py UNENFORCED): a row naming
    nothing is stored without complaint, and ``references_resolve`` finds it."""
    ghost = 999_999
    async with database.session() as session:
        await session.execute(
            sa.text(
                "INSERT INTO paycodes (code_hash, resident_id, expires_at, created_at) "
                "VALUES ('forged', :ghost, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"ghost": ghost},
        )
        claim = "INSERT INTO evidence_claims (key, action_id) VALUES ('forged', :ghost)"
        await session.execute(sa.text(claim), {"ghost": ghost})
        report = await verify_ledger(session, *CREDIT_PATH_CHECKS)
    found = {c.name: c.mismatches for c in report.checks if not c.ok}
    assert found == {
        "references_resolve": [
            f"evidence_claims.action_id = {ghost}: no action_keys row has action_id {ghost}",
            f"paycodes.resident_id = {ghost}: no residents row has id {ghost}",
        ]
    }
