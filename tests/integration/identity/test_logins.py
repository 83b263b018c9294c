"""Login hashes are unique through ``resident_logins`` (migration 0023: under Citus a unique key of the
resident-distributed ``residents`` could not hold them), kept by the database from the residents' columns."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from service.db.base import utcnow
from service.identity.models import Resident, ResidentLogin
from service.identity.repository import IdentityRepository


async def logins(session: Any) -> dict[str, int]:
    rows = await session.execute(sa.select(ResidentLogin.hash, ResidentLogin.resident_id))
    return dict(rows.all())


async def test_a_residents_hashes_are_its_logins_as_they_change(database: Any) -> None:
    async with database.session() as session:
        alice = Resident(phone_hash="phone-a", openid_hash="openid-a", created_at=utcnow())
        bob = Resident(unionid_hash="union-b", created_at=utcnow())
        session.add_all([alice, bob])
        await session.flush()
        assert await logins(session) == {"phone-a": alice.id, "openid-a": alice.id, "union-b": bob.id}

        alice.openid_hash, alice.unionid_hash, bob.unionid_hash = "openid-a2", "union-a", None
        await session.flush()
        assert await logins(session) == {"phone-a": alice.id, "openid-a2": alice.id, "union-a": alice.id}
        repo = IdentityRepository(session)
        assert await repo.resident_by_login("openid-a2") is alice
        assert await repo.resident_by_login("openid-a") is None


async def test_a_hash_taken_by_another_resident_is_refused_and_changes_nothing(database: Any) -> None:
    async with database.session() as session:
        alice = Resident(phone_hash="phone-a", created_at=utcnow())
        bob = Resident(phone_hash="phone-b", created_at=utcnow())
        session.add_all([alice, bob])
        await session.flush()
        taken = sa.insert(Resident).values(phone_hash="phone-a", created_at=utcnow())
        for statement in (
            taken,
            sa.update(Resident).where(Resident.id == bob.id).values(phone_hash="phone-a"),
            sa.update(Resident).where(Resident.id == bob.id).values(openid_hash="phone-a"),
        ):
            with pytest.raises(IntegrityError, match="resident_logins"):
                await _in_savepoint(session, statement)
        assert await logins(session) == {"phone-a": alice.id, "phone-b": bob.id}
        assert await session.scalar(sa.select(sa.func.count()).select_from(Resident)) == 2


async def _in_savepoint(session: Any, statement: Any) -> None:
    async with session.begin_nested():
        await session.execute(statement)


async def test_signing_in_again_finds_the_same_resident(database: Any) -> None:
    async with database.session() as session:
        repo = IdentityRepository(session)
        first = await repo.ensure_resident_by_openid_hash("openid-c", None, utcnow())
        again = await repo.ensure_resident_by_openid_hash("openid-c", "union-c", utcnow())
        by_union = await repo.ensure_resident_by_openid_hash("openid-other-app", "union-c", utcnow())
        assert first.id == again.id == by_union.id
        assert await logins(session) == {"openid-c": first.id, "union-c": first.id}


async def test_racing_first_sign_ins_make_one_resident(pg_committed: Any) -> None:
    """Twelve first sign-ins of one WeChat user at once: the login's key lets one resident through, the
    others wait for its commit and find it."""

    async def sign_in() -> int:
        async with pg_committed.session() as session:
            resident = await IdentityRepository(session).ensure_resident_by_openid_hash(
                "openid-race", "union-race", utcnow()
            )
            await session.commit()
            return resident.id

    ids = await asyncio.gather(*(sign_in() for _ in range(12)))
    assert len(set(ids)) == 1
    async with pg_committed.session() as session:
        assert await logins(session) == {"openid-race": ids[0], "union-race": ids[0]}
        assert await session.scalar(sa.select(sa.func.count()).select_from(Resident)) == 1
