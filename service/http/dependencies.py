"""Dependencies every controller may ask for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from service.jobs.queue import dispatch


async def provide_db_session(request: Request[Any, Any, Any]) -> AsyncIterator[AsyncSession]:
    """One session per request: committed when the handler succeeds, rolled back when it raises.

    Jobs the request deferred are enqueued only after the commit.
    """
    services = request.app.state.services
    async with services.database.sessions() as session:
        try:
            yield session
        except Exception:
            await session.rollback()
            raise
        await session.commit()
        await dispatch(session, services.queue)
