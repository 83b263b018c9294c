"""GET /v1/me's one-statement profile read on the driver path (committed data, no transaction begun)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from service.db.base import utcnow
from service.errors import NotFound, Unauthorized
from service.identity.models import Resident
from service.identity.service import active_profile, active_resident
from tests.integration.actions.conftest import new_resident


async def test_the_profile_read_agrees_with_the_orm_and_refuses_as_it_does(pg_committed) -> None:  # type: ignore[no-untyped-def]
    async with pg_committed.session() as session:
        here, gone = [await new_resident(session, f"1390000073{n}") for n in range(2)]
        await session.execute(
            sa.update(Resident).where(Resident.id == here).values(display_name="小林", district="ganlu")
        )
        await session.execute(sa.update(Resident).where(Resident.id == gone).values(deleted_at=utcnow()))
    async with pg_committed.sessions() as session:
        profile = await active_profile(session, here)
        assert not session.in_transaction()  # the driver pool answered, not the session
        with pytest.raises(Unauthorized) as deleted:
            await active_profile(session, gone)
        with pytest.raises(NotFound) as missing:
            await active_profile(session, 10**12)
    assert (deleted.value.code, missing.value.code) == ("account_deleted", "resident_not_found")
    async with pg_committed.session() as session:
        resident = await active_resident(session, here)
    assert dict(profile) == {
        "id": resident.id,
        "display_name": "小林",
        "district": "ganlu",
        "created_at": resident.created_at,
        "deleted_at": None,
        "pooling_consent_since": None,
    }
