"""The schema against the Citus plan (service/db/distribution.py, docs/scaling.md): every key and foreign
key of a distributed table holds its distribution column, and nothing else points where Citus cannot follow.

``citus_not_yet.txt`` is what the schema still owes the plan, one violation a line, each changed by a later
step of docs/scaling.md's "What has to change". The test fails on any violation not listed, so no new table
or key can break the plan, and on any listed line that no longer holds, so the list only ever shrinks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from service.db.distribution import PLAN, read_schema, violations

pytestmark = pytest.mark.parametrize("database", ["postgres"], indirect=True)

NOT_YET = Path(__file__).with_name("citus_not_yet.txt").read_text().splitlines()


async def test_the_schema_owes_the_citus_plan_nothing_but_what_is_listed(database: Any) -> None:
    async with database.session() as session:
        constraints, columns = await read_schema(session)
    found = violations(PLAN, constraints, columns)
    assert [v for v in found if v not in NOT_YET] == [], "new violations of the Citus plan"
    assert [v for v in NOT_YET if v not in found] == [], "fixed: take these lines out of citus_not_yet.txt"
