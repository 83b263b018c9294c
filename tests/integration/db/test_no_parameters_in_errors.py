"""A database error's text never carries the statement's bound values (issue 13: they reached the logs)."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from service.db.base import utcnow
from service.db.engine import Database
from service.identity.models import Resident

SECRET = "phone-hash-that-must-not-be-logged"


async def _insert_twice(database: Database) -> sa.exc.IntegrityError:
    async with database.session() as session:
        session.add(Resident(phone_hash=SECRET, created_at=utcnow()))
        await session.flush()
        try:
            async with session.begin_nested():
                session.add(Resident(phone_hash=SECRET, created_at=utcnow()))
                await session.flush()
        except sa.exc.IntegrityError as error:
            return error
    raise AssertionError("the second insert was not refused")


async def test_an_integrity_error_hides_its_parameters(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # even a developer's debug logging does not see them
    error = await _insert_twice(database)
    assert SECRET not in str(error)
    assert "hidden" in str(error)
    assert all(SECRET not in record.getMessage() for record in caplog.records)
