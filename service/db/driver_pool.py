"""A small asyncpg pool beside an engine's, for single autocommitted statements (the redemption calls).

It lives with the engine it shadows: ``Database.dispose`` closes it together with the engine's pool.
"""

from __future__ import annotations

import weakref

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

_POOLS: weakref.WeakKeyDictionary[AsyncEngine, asyncpg.Pool] = weakref.WeakKeyDictionary()


async def driver_pool(engine: AsyncEngine) -> asyncpg.Pool:
    """A small asyncpg pool beside the engine's, for the autocommitted calls.

    The engine's pool costs a checkout, an adapter and a reset on return per call; these calls need none
    of it (no transaction, no session state: their advisory locks are transaction-scoped), so the
    connections are released without asyncpg's reset round trip.
    """
    pool = _POOLS.get(engine)
    if pool is None:
        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        # Half the engine's pool size: redemptions are single short statements, and the two pools together
        # must stay well inside the server's connection limit. Idle connections close after a while, so
        # a pool whose engine was dropped without dispose() does not hold connections for long.
        size = max(2, engine.pool.size() // 2) if hasattr(engine.pool, "size") else 5
        pool = await asyncpg.create_pool(
            url, min_size=0, max_size=size, reset=_no_reset, max_inactive_connection_lifetime=30
        )
        _POOLS[engine] = pool
    return pool


async def close_driver_pool(engine: AsyncEngine) -> None:
    pool = _POOLS.pop(engine, None)
    if pool is not None:
        await pool.close()


async def _no_reset(_connection: asyncpg.Connection) -> None:
    return None
