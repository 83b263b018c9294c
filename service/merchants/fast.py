"""Redemptions on PostgreSQL: one call to the database functions of migration 0007 per claim or charge.

The functions (their current bodies: migration 0016) answer most refusals with a code before writing
anything (unknown, used or expired pay-code, sold out, limit reached); the ones found after writing (too
few coins, coins only in expired lots, stock taken by a racer, a ledger key already used) raise a SQLSTATE,
which undoes the statement: alone in autocommit, or in a savepoint inside a caller's transaction. This
module turns both into the errors the Python path raises, so callers and clients cannot tell the paths apart.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from service.db.driver_pool import driver_pool
from service.merchants.models import Charge, Voucher, VoucherStatus
from service.merchants.refusals import refusal

RAISED = {"TB001": "insufficient_funds", "TB002": "sold_out", "TB003": "idempotency_conflict"}


async def charge(
    session: AsyncSession,
    merchant_id: int,
    code_hash: str,
    amount: int,
    key: str,
    shards: int,
    now: dt.datetime,
) -> tuple[Charge, bool]:
    result = await _call(session, "tanbi_charge", (merchant_id, code_hash, amount, key, shards, now))
    row = Charge(
        id=result["id"],
        merchant_id=merchant_id,
        resident_id=result["resident_id"],
        amount=result["amount"],
        idempotency_key=key,
        paycode_hash=code_hash,
        transfer_id=result["transfer_id"],
        created_at=dt.datetime.fromisoformat(result["created_at"]),
    )
    return row, result["code"] == "ok"


async def claim(
    session: AsyncSession,
    resident_id: int,
    offer_id: int,
    code: str,
    ttl_seconds: int,
    shards: int,
    now: dt.datetime,
    *,
    benefit: bool = False,
) -> Voucher:
    result = await _call(
        session, "tanbi_claim_voucher", (resident_id, offer_id, code, ttl_seconds, shards, now, benefit)
    )
    return Voucher(
        id=result["id"],
        code=code,
        offer_id=result["offer_id"],
        resident_id=resident_id,
        hold_id=result["hold_id"],
        price=result["price"],
        status=VoucherStatus.HELD,
        expires_at=dt.datetime.fromisoformat(result["expires_at"]),
        created_at=dt.datetime.fromisoformat(result["created_at"]),
        resolved_at=None,
    )


async def _call(session: AsyncSession, function: str, args: tuple[Any, ...]) -> dict[str, Any]:
    try:
        result = await _execute(session, function, args)
    except (DBAPIError, asyncpg.PostgresError) as exc:
        code = RAISED.get(_sqlstate(exc) or "")
        if code is None:
            raise
        raise refusal(code) from exc
    if result["code"] not in ("ok", "replayed"):
        raise refusal(result["code"])
    return result


async def _execute(session: AsyncSession, function: str, args: tuple[Any, ...]) -> dict[str, Any]:
    """Run the one statement of a redemption.

    A session that has not started a transaction (a request doing nothing else) runs it on its own,
    autocommitted, straight on the driver: one round trip instead of BEGIN, the call and COMMIT, the hot
    rows it locks released the moment it ends, and none of the ORM's per-statement work. Otherwise it
    joins the session's transaction, e.g. to see rows the caller wrote and has not committed yet.
    """
    placeholders = ", ".join(f"${n}" for n in range(1, len(args) + 1))
    if isinstance(session.bind, AsyncEngine) and not session.in_transaction():
        pool = await driver_pool(session.bind)
        async with pool.acquire() as connection:
            value = await connection.fetchval(f"SELECT {function}({placeholders})", *args)
    else:
        names = {f"p{n}": arg for n, arg in enumerate(args)}
        statement = sa.text(f"SELECT {function}({', '.join(':' + name for name in names)})")
        async with session.begin_nested():  # a refusal raised inside must not abort the caller's transaction
            value = (await session.execute(statement, names)).scalar_one()
    return value if isinstance(value, dict) else json.loads(value)


def _sqlstate(exc: Exception) -> str | None:
    orig = getattr(exc, "orig", None)
    for error in (exc, orig, getattr(orig, "__cause__", None)):
        state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
        if state:
            return str(state)
    return None
