"""Deferred issuance: the issuance rows are debited once at commit, exactly for the transfers that remain."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from service.ledger.deferred import defer_issuance
from service.ledger.models import Account, AccountKind
from service.ledger.verify import verify_ledger
from tests.integration.ledger.helpers import ledger, resident


async def _issued(session) -> int:  # type: ignore[no-untyped-def]
    total = await session.scalar(
        sa.select(sa.func.sum(Account.balance)).where(Account.kind == AccountKind.ISSUANCE)
    )
    return -(total or 0)


async def _credit_then_fail(session, book, rid: int) -> None:  # type: ignore[no-untyped-def]
    async with session.begin_nested():
        await book.issue(rid, 500, kind="credit", idempotency_key="d:2")
        raise RuntimeError("this credit is rolled back with its savepoint")


async def test_issuance_is_applied_at_commit_for_surviving_transfers(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.sessions() as session:
        defer_issuance(session)
        book = ledger(session, settings)
        rid = await resident(session)
        await book.issue(rid, 30, kind="credit", idempotency_key="d:1")
        assert await _issued(session) == 0, "nothing touches the issuance rows before the commit"
        with pytest.raises(RuntimeError):
            await _credit_then_fail(session, book, rid)
        await book.issue(rid, 12, kind="credit", idempotency_key="d:3")
        await session.commit()
    async with database.session() as session:
        assert await _issued(session) == 42
        assert (await ledger(session, settings).wallet(rid)).balance == 42
        assert (await verify_ledger(session)).ok


async def test_verify_inside_a_deferred_transaction_sees_pending_issuance(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.sessions() as session:
        defer_issuance(session)
        rid = await resident(session)
        await ledger(session, settings).issue(rid, 9, kind="credit", idempotency_key="d:9")
        assert (await verify_ledger(session)).ok
        await session.commit()
    async with database.session() as session:
        assert await _issued(session) == 9
