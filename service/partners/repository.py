"""Partner SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.partners.models import (
    Binding,
    EventStatus,
    LinkToken,
    Partner,
    PartnerEvent,
    PartnerSecret,
    WebhookDelivery,
)


class PartnerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: object) -> None:
        self.session.add(row)
        await self.session.flush()

    async def partner(self, partner_id: int) -> Partner | None:
        return await self.session.get(Partner, partner_id)

    async def partner_by_name(self, name: str) -> Partner | None:
        return await self.session.scalar(sa.select(Partner).where(Partner.name == name))

    async def valid_secrets(self, partner_id: int, now: dt.datetime) -> Sequence[PartnerSecret]:
        stmt = (
            sa.select(PartnerSecret)
            .where(PartnerSecret.partner_id == partner_id)
            .where(sa.or_(PartnerSecret.valid_until.is_(None), PartnerSecret.valid_until > now))
            .order_by(PartnerSecret.id.desc())
        )
        return (await self.session.scalars(stmt)).all()

    async def retire_current_secrets(self, partner_id: int, until: dt.datetime) -> None:
        await self.session.execute(
            sa.update(PartnerSecret)
            .where(PartnerSecret.partner_id == partner_id, PartnerSecret.valid_until.is_(None))
            .values(valid_until=until)
        )

    async def delivery(self, partner_id: int, webhook_id: str) -> WebhookDelivery | None:
        return await self.session.get(WebhookDelivery, (partner_id, webhook_id))

    async def known_event_ids(self, partner_id: int, event_ids: list[str]) -> set[str]:
        if not event_ids:
            return set()
        stmt = sa.select(PartnerEvent.event_id).where(
            PartnerEvent.partner_id == partner_id, PartnerEvent.event_id.in_(event_ids)
        )
        return set((await self.session.scalars(stmt)).all())

    async def insert_events(self, rows: list[dict[str, object]]) -> list[int]:
        if not rows:
            return []
        stmt = sa.insert(PartnerEvent).returning(PartnerEvent.id)
        return list((await self.session.scalars(stmt, rows)).all())

    async def event(self, partner_id: int, event_id: str) -> PartnerEvent | None:
        stmt = sa.select(PartnerEvent).where(
            PartnerEvent.partner_id == partner_id, PartnerEvent.event_id == event_id
        )
        return await self.session.scalar(stmt)

    async def events_to_process(self, ids: list[int]) -> Sequence[PartnerEvent]:
        stmt = (
            sa.select(PartnerEvent)
            .where(PartnerEvent.id.in_(ids), PartnerEvent.status == EventStatus.RECEIVED)
            .order_by(PartnerEvent.id)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.scalars(stmt)).all()

    async def stuck_event_ids(self, before: dt.datetime, limit: int) -> list[int]:
        stmt = (
            sa.select(PartnerEvent.id)
            .where(PartnerEvent.status == EventStatus.RECEIVED, PartnerEvent.received_at < before)
            .order_by(PartnerEvent.id)
            .limit(limit)
        )
        return list((await self.session.scalars(stmt)).all())

    async def list_events(
        self,
        partner_id: int,
        *,
        status: str | None,
        type_: str | None,
        since: dt.datetime | None,
        until: dt.datetime | None,
        after_id: int,
        limit: int,
    ) -> Sequence[PartnerEvent]:
        stmt = sa.select(PartnerEvent).where(
            PartnerEvent.partner_id == partner_id, PartnerEvent.id > after_id
        )
        if status:
            stmt = stmt.where(PartnerEvent.status == status)
        if type_:
            stmt = stmt.where(PartnerEvent.type == type_)
        if since:
            stmt = stmt.where(PartnerEvent.received_at >= since)
        if until:
            stmt = stmt.where(PartnerEvent.received_at < until)
        return (await self.session.scalars(stmt.order_by(PartnerEvent.id).limit(limit))).all()

    async def active_binding(self, partner_id: int, subject_hash: str) -> Binding | None:
        stmt = sa.select(Binding).where(
            Binding.partner_id == partner_id,
            Binding.subject_hash == subject_hash,
            Binding.unbound_at.is_(None),
        )
        return await self.session.scalar(stmt)

    async def active_bindings(self, subjects: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
        """Resident ids by (partner id, subject hash), for the subjects that are bound now."""
        if not subjects:
            return {}
        stmt = sa.select(Binding.partner_id, Binding.subject_hash, Binding.resident_id).where(
            sa.tuple_(Binding.partner_id, Binding.subject_hash).in_(sorted(subjects)),
            Binding.unbound_at.is_(None),
        )
        return {(p, s): r for p, s, r in (await self.session.execute(stmt)).all()}

    async def bindings_of(self, resident_id: int) -> Sequence[Binding]:
        stmt = sa.select(Binding).where(Binding.resident_id == resident_id).order_by(Binding.id)
        return (await self.session.scalars(stmt)).all()

    async def binding(self, binding_id: int) -> Binding | None:
        return await self.session.get(Binding, binding_id)

    async def spend_link_token(self, token_hash: str, now: dt.datetime) -> LinkToken | None:
        stmt = (
            sa.update(LinkToken)
            .where(
                LinkToken.token_hash == token_hash, LinkToken.used_at.is_(None), LinkToken.expires_at > now
            )
            .values(used_at=now)
            .returning(LinkToken)
        )
        return (await self.session.scalars(stmt)).first()

    async def reopen_unclaimed(self, partner_id: int, subject_hash: str, since: dt.datetime) -> list[int]:
        """Unclaimed events of the subject since ``since`` go back to ``received``; returns their ids."""
        stmt = (
            sa.update(PartnerEvent)
            .where(
                PartnerEvent.partner_id == partner_id,
                PartnerEvent.subject_hash == subject_hash,
                PartnerEvent.status == EventStatus.UNCLAIMED,
                PartnerEvent.occurred_at >= since,
            )
            .values(status=EventStatus.RECEIVED, processed_at=None)
            .returning(PartnerEvent.id)
        )
        return list((await self.session.scalars(stmt)).all())
