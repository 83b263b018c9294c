"""Hot reads handed the Database instead of a request's session (service/db/reads.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from service.db.base import utcnow
from service.errors import NotFound, Unauthorized
from service.identity.models import Resident
from service.identity.service import active_profile
from service.residents.repository import Wallet, active_wallet
from tests.integration.actions.conftest import new_resident


async def test_on_postgresql_a_read_through_the_database_takes_no_session_connection(pg_committed) -> None:  # type: ignore[no-untyped-def]
    async with pg_committed.session() as session:
        here, gone = [await new_resident(session, f"1390000074{n}") for n in range(2)]
        await session.execute(sa.update(Resident).where(Resident.id == here).values(display_name="小周"))
        await session.execute(sa.update(Resident).where(Resident.id == gone).values(deleted_at=utcnow()))
    checkouts: list[object] = []
    listener = lambda *_args: checkouts.append(1)  # noqa: E731
    event.listen(pg_committed.engine.sync_engine, "checkout", listener)
    try:
        profile = await active_profile(pg_committed, here)
        assert await active_wallet(pg_committed, here, utcnow()) == Wallet()
        with pytest.raises(Unauthorized) as deleted:
            await active_profile(pg_committed, gone)
        with pytest.raises(NotFound) as missing:
            await active_wallet(pg_committed, 10**12, utcnow())
    finally:
        event.remove(pg_committed.engine.sync_engine, "checkout", listener)
    assert checkouts == []  # the driver pool answered: no session, no engine connection
    assert (profile["id"], profile["display_name"]) == (here, "小周")
    assert (deleted.value.code, missing.value.code) == ("account_deleted", "resident_not_found")


async def test_a_database_bound_to_a_connection_reads_in_a_session_on_it(database) -> None:  # type: ignore[no-untyped-def]
    # The test's database is bound to one connection whose transaction is rolled back at the end: the
    # rows written here are visible only through that connection, so finding them proves the read took a
    # session on it (on both databases), not the driver pool.
    async with database.session() as session:
        here, gone = [await new_resident(session, f"1390000075{n}") for n in range(2)]
        await session.execute(sa.update(Resident).where(Resident.id == gone).values(deleted_at=utcnow()))
    assert (await active_profile(database, here))["id"] == here
    assert await active_wallet(database, here, utcnow()) == Wallet()
    with pytest.raises(Unauthorized) as deleted:
        await active_wallet(database, gone, utcnow())
    assert deleted.value.code == "account_deleted"
