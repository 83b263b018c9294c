"""The schema against the Citus plan (service/db/distribution.py, docs/scaling.md): every primary key, unique
key and foreign key of a distributed table holds its distribution column, and nothing else points where
Citus cannot follow. Citus itself is not installable here; its rules are, and the migrated schema is held
to them (tests/unit/test_distribution_rules.py shows each rule firing)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from service.db.distribution import PLAN, read_schema, violations
from service.ledger.models import shard_anchor

pytestmark = pytest.mark.parametrize("database", ["postgres"], indirect=True)


async def test_the_schema_keeps_the_citus_plan(database: Any) -> None:
    async with database.session() as session:
        constraints, columns = await read_schema(session)
    assert violations(PLAN, constraints, columns) == []
    # The test reads what it means to: the distributed tables' keys, with their distribution columns.
    keys = {(c.table, c.kind): c.columns for c in constraints}
    assert keys[("transfers", "p")] == ("id", "resident_id")
    assert keys[("action_sources", "p")] == ("source_key",)


async def test_a_pool_accounts_anchor_is_the_same_in_python_and_in_the_database(database: Any) -> None:
    """``tanbi_account`` (the redemption functions) and the ledger must file a till under the same key."""
    codes = ["issuance:0", "issuance:7", "merchant:12", "merchant:12:3", "expiry", "project:5", "碳币"]
    async with database.session() as session:
        for code in codes:
            anchor = await session.scalar(sa.text("SELECT tanbi_shard_anchor(:code)"), {"code": code})
            assert anchor == shard_anchor(code)
            assert anchor < 0  # never a resident's id
