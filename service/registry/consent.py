"""A resident's consent to have their verified reductions pooled and sold. Opt-in and revocable: granting
pools actions from that moment on; withdrawing stops pooling of everything not yet in a batch (a batch
already drafted keeps what it holds). Each change is kept (``pooling_consents``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from service.identity.models import Resident
from service.registry.models import PoolingConsent


async def set_consent(session: AsyncSession, resident: Resident, granted: bool, now: dt.datetime) -> None:
    """Grant or withdraw. Granting again while granted keeps the original date (and records nothing)."""
    if granted == (resident.pooling_consent_since is not None):
        return
    resident.pooling_consent_since = now if granted else None
    session.add(PoolingConsent(resident_id=resident.id, granted=granted, at=now))
    await session.flush()
