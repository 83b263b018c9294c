"""Partner SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.dialect import dialect_for, one_of
from service.partners.models import (
    Binding,
    EventStatus,
    LinkToken,
    Partner,
    PartnerEvent,
    PartnerEventKey,
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
        # A join with the ids as rows, not "event_id = ANY(:ids)": on a table without statistics yet (a
        # new deployment's first minutes) PostgreSQL's planner filtered every stored event against the
        # whole array.
        keys = dialect_for(self.session).rows("k", {"event_id": sa.Text()}, [(e,) for e in event_ids])
        stmt = sa.select(PartnerEventKey.event_id).select_from(
            keys.join(
                PartnerEventKey,
                sa.and_(
                    PartnerEventKey.partner_id == partner_id, PartnerEventKey.event_id == keys.c.event_id
                ),
            )
        )
        return set((await self.session.scalars(stmt)).all())

    async def event(self, partner_id: int, event_id: str) -> PartnerEvent | None:
        stmt = sa.select(PartnerEvent).where(
            PartnerEvent.partner_id == partner_id, PartnerEvent.event_id == event_id
        )
        return await self.session.scalar(stmt)

    async def events_to_process(self, ids: list[int]) -> list[Pending]:
        """The events among ``ids`` still ``received``, locked; ones another worker holds are skipped."""
        stmt = (
            sa.select(*(PartnerEvent.__table__.c[name] for name in PENDING_COLUMNS))
            .where(one_of(self.session, PartnerEvent.id, ids), PartnerEvent.status == EventStatus.RECEIVED)
            .order_by(PartnerEvent.id)
            .with_for_update(skip_locked=True)
        )
        return [Pending(*row) for row in (await self.session.execute(stmt)).all()]

    async def finish_events(self, finished: list[Finished]) -> None:
        """Write each event's outcome; one statement on PostgreSQL."""
        rows = [dict(vars(f)) for f in finished]  # shallow: asdict deep-copies every reasons list
        for row in rows:
            row["reasons"] = row["reasons"] or []
        await dialect_for(self.session).update(PartnerEvent.__table__, rows)

    async def stuck_event_ids(self, before: dt.datetime, now: dt.datetime, limit: int) -> list[int]:
        """Events received before ``before`` and still ``received``, unless backing off after a fault."""
        stmt = (
            sa.select(PartnerEvent.id)
            .where(
                PartnerEvent.status == EventStatus.RECEIVED,
                PartnerEvent.received_at < before,
                sa.or_(PartnerEvent.next_attempt_at.is_(None), PartnerEvent.next_attempt_at <= now),
            )
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

    async def active_bindings(self, subjects: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
        """Resident ids by (partner id, subject hash), for the subjects that are bound now."""
        if not subjects:
            return {}
        stmt = sa.select(Binding.partner_id, Binding.subject_hash, Binding.resident_id).where(
            one_of(self.session, Binding.partner_id, sorted({p for p, _ in subjects})),
            one_of(self.session, Binding.subject_hash, sorted({s for _, s in subjects})),
            Binding.unbound_at.is_(None),
        )
        rows = (await self.session.execute(stmt)).all()
        return {(p, s): r for p, s, r in rows if (p, s) in subjects}

    async def active_binding(self, partner_id: int, subject_hash: str) -> Binding | None:
        stmt = sa.select(Binding).where(
            Binding.partner_id == partner_id,
            Binding.subject_hash == subject_hash,
            Binding.unbound_at.is_(None),
        )
        return await self.session.scalar(stmt)

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


# What processing reads of an event, and what it writes back.
PENDING_COLUMNS = (
    "id",
    "partner_id",
    "event_id",
    "type",
    "subject_hash",
    "occurred_at",
    "evidence",
    "attempts",
    "received_at",
)


@dataclass(frozen=True)
class Pending:
    id: int
    partner_id: int
    event_id: str
    type: str
    subject_hash: str
    occurred_at: dt.datetime
    evidence: dict[str, object]
    attempts: int
    received_at: dt.datetime


@dataclass(frozen=True)
class Finished:
    id: int
    status: str
    action_id: int | None
    grams: int | None
    coins: int | None
    reasons: list[str]
    error: str | None
    attempts: int
    processed_at: dt.datetime | None
    next_attempt_at: dt.datetime | None = None
