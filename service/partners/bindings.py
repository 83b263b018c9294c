"""Binding a partner's user to a resident: link tokens, redeeming them, unbinding."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.assets import attach_partner_assets
from service.errors import Conflict, Invalid, NotFound
from service.identity.tokens import hash_token
from service.jobs.queue import defer
from service.partners.ingest import PROCESS_JOB, subject_hash
from service.partners.models import Binding, LinkToken, Partner
from service.partners.repository import PartnerRepository
from service.settings import PartnerSettings


async def create_link_token(
    session: AsyncSession,
    partner: Partner,
    subject: str,
    hash_key: bytes,
    settings: PartnerSettings,
    now: dt.datetime,
    district: str | None = None,
) -> tuple[str, dt.datetime]:
    token = "lt_" + secrets.token_urlsafe(24)
    expires = now + dt.timedelta(seconds=settings.link_token_ttl_seconds)
    await PartnerRepository(session).add(
        LinkToken(
            token_hash=hash_token(token),
            partner_id=partner.id,
            subject_hash=subject_hash(hash_key, partner.id, subject),
            district=district,
            expires_at=expires,
        )
    )
    return token, expires


async def bind(
    session: AsyncSession,
    resident_id: int,
    token: str,
    settings: PartnerSettings,
    batch_size: int,
    now: dt.datetime,
) -> tuple[Binding, int]:
    """Bind the token's subject to the resident, and reprocess its recent unclaimed events."""
    repo = PartnerRepository(session)
    link = await repo.spend_link_token(hash_token(token), now)
    if link is None:
        # 422, not 401: a mini-program signs its user out on 401, and the user's own credentials are fine.
        raise Invalid("the link token is unknown, used or expired", code="invalid_link_token")
    existing = await repo.active_binding(link.partner_id, link.subject_hash)
    if existing is not None:
        if existing.resident_id == resident_id:
            return existing, 0
        raise Conflict("this account is bound to another resident", code="subject_bound")
    binding = Binding(
        partner_id=link.partner_id,
        subject_hash=link.subject_hash,
        resident_id=resident_id,
        district=link.district,
        created_at=now,
    )
    await repo.add(binding)
    await attach_partner_assets(session, link.partner_id, link.subject_hash, resident_id)
    since = now - dt.timedelta(days=settings.unclaimed_window_days)
    reopened = await repo.reopen_unclaimed(link.partner_id, link.subject_hash, since)
    for start in range(0, len(reopened), batch_size):
        defer(session, PROCESS_JOB, event_ids=reopened[start : start + batch_size])
    return binding, len(reopened)


async def unbind(session: AsyncSession, resident_id: int, binding_id: int, now: dt.datetime) -> Binding:
    binding = await PartnerRepository(session).binding(binding_id)
    if binding is None or binding.resident_id != resident_id:
        raise NotFound(f"no binding {binding_id}", code="binding_not_found")
    if binding.unbound_at is None:
        binding.unbound_at = now
        await session.flush()
    return binding
