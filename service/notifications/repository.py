"""Every SQL statement of notifications: the reads the inbox is derived from, marks, opt-ins and sends.

Actions, lots, vouchers and offers are only read here (their slices own them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.models import Action
from service.identity.models import Resident
from service.ledger.models import Account, Lot
from service.merchants.models import Merchant, Offer, Voucher, VoucherStatus
from service.notifications.models import (
    ALL_UP_TO,
    Delivery,
    DeliveryStatus,
    NotificationMark,
    Subscription,
)


@dataclass(frozen=True)
class ActionRow:
    id: int
    methodology_id: str
    code_version: str
    family: str
    status: str
    reasons: list[str]
    coins: int
    grams: int
    created_at: dt.datetime


@dataclass(frozen=True)
class VoucherRow:
    id: int
    offer_title: str
    merchant_name: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class OfferRow:
    id: int
    title: str
    revision: int
    approved_at: dt.datetime | None
    rejected_at: dt.datetime | None = None
    rejection_reason: str | None = None


class NotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def actions(self, resident_id: int) -> list[ActionRow]:
        """The resident's actions that give notices: accepted and not reversed, or rejected."""
        a = Action
        rows = await self.session.execute(
            sa.select(
                a.id,
                a.methodology_id,
                a.code_version,
                a.family,
                a.status,
                a.reasons,
                a.coins,
                a.grams,
                a.created_at,
            ).where(a.resident_id == resident_id, a.reversed_at.is_(None))
        )
        return [ActionRow(*row) for row in rows]

    async def expiring_lots(
        self, resident_id: int, now: dt.datetime, until: dt.datetime
    ) -> list[tuple[dt.datetime, int]]:
        """(expires_at, coins still spendable) of the wallet's lots expiring in (now, until]."""
        rows = await self.session.execute(
            sa.select(Lot.expires_at, Lot.remaining - Lot.held)
            .join(Account, Account.id == Lot.account_id)
            .where(
                Account.code == f"wallet:{resident_id}",
                Lot.expires_at > now,
                Lot.expires_at <= until,
                Lot.remaining - Lot.held > 0,
            )
        )
        return [(when, int(coins)) for when, coins in rows]

    async def lapsing_vouchers(
        self, resident_id: int, now: dt.datetime, until: dt.datetime
    ) -> list[VoucherRow]:
        rows = await self.session.execute(
            sa.select(Voucher.id, Offer.title, Merchant.name, Voucher.expires_at)
            .join(Offer, Offer.id == Voucher.offer_id)
            .join(Merchant, Merchant.id == Offer.merchant_id)
            .where(
                Voucher.resident_id == resident_id,
                Voucher.status == VoucherStatus.HELD,
                Voucher.expires_at > now,
                Voucher.expires_at <= until,
            )
        )
        return [VoucherRow(*row) for row in rows]

    async def reviewed_offers(self, merchant_id: int) -> list[OfferRow]:
        """The merchant's offers the city approved or rejected (their current revision's review)."""
        rows = await self.session.execute(
            sa.select(
                Offer.id,
                Offer.title,
                Offer.revision,
                Offer.approved_at,
                Offer.rejected_at,
                Offer.rejection_reason,
            ).where(
                Offer.merchant_id == merchant_id,
                sa.or_(Offer.approved_at.is_not(None), Offer.rejected_at.is_not(None)),
            )
        )
        return [OfferRow(*row) for row in rows]

    # Read marks -------------------------------------------------------------------------------------

    async def marks(self, resident_id: int) -> dict[str, dt.datetime]:
        rows = await self.session.execute(
            sa.select(NotificationMark.notification_id, NotificationMark.seen_at).where(
                NotificationMark.resident_id == resident_id
            )
        )
        return {row.notification_id: row.seen_at for row in rows}

    async def mark(self, resident_id: int, seen: dict[str, dt.datetime]) -> None:
        """Record each notice as read as of its time (a later mark never moves a mark back)."""
        existing = {
            m.notification_id: m
            for m in await self.session.scalars(
                sa.select(NotificationMark).where(
                    NotificationMark.resident_id == resident_id,
                    NotificationMark.notification_id.in_(list(seen)),
                )
            )
        }
        for key, at in seen.items():
            if key in existing:
                existing[key].seen_at = max(existing[key].seen_at, at)
            else:
                self.session.add(NotificationMark(resident_id=resident_id, notification_id=key, seen_at=at))
        await self.session.flush()

    async def mark_up_to(self, resident_id: int, at: dt.datetime) -> None:
        await self.mark(resident_id, {ALL_UP_TO: at})

    # Subscriptions ----------------------------------------------------------------------------------

    async def subscription(self, resident_id: int, kind: str) -> Subscription | None:
        return await self.session.scalar(
            sa.select(Subscription)
            .where(Subscription.resident_id == resident_id, Subscription.kind == kind)
            .with_for_update()
        )

    async def subscriptions_of(self, resident_id: int) -> Sequence[Subscription]:
        return (
            await self.session.scalars(
                sa.select(Subscription)
                .where(Subscription.resident_id == resident_id)
                .order_by(Subscription.kind)
            )
        ).all()

    async def open_subscriptions(self, limit: int) -> Sequence[Subscription]:
        """Opt-ins that still allow a send, of residents whose accounts exist."""
        return (
            await self.session.scalars(
                sa.select(Subscription)
                .join(Resident, Resident.id == Subscription.resident_id)
                .where(Subscription.remaining > 0, Resident.deleted_at.is_(None))
                .order_by(Subscription.id)
                .limit(limit)
            )
        ).all()

    async def delivered(self, resident_id: int, template_id: str) -> set[str]:
        rows = await self.session.scalars(
            sa.select(Delivery.notification_id).where(
                Delivery.resident_id == resident_id, Delivery.template_id == template_id
            )
        )
        return set(rows)

    async def plan(
        self, subscription: Subscription, notification_id: str, data: dict[str, Any], now: dt.datetime
    ) -> bool:
        """Insert the send of ``notification_id`` and spend one of the opt-in's sends, both or neither:
        False when the send exists already or the opt-in has no send left (another runner got there)."""
        spent = await self.session.execute(
            sa.update(Subscription)
            .where(Subscription.id == subscription.id, Subscription.remaining > 0)
            .values(remaining=Subscription.remaining - 1, updated_at=now)
        )
        if not spent.rowcount:  # type: ignore[attr-defined]
            return False
        async with self.session.begin_nested() as savepoint:
            try:
                self.session.add(
                    Delivery(
                        resident_id=subscription.resident_id,
                        notification_id=notification_id,
                        template_id=subscription.template_id,
                        kind=subscription.kind,
                        status=DeliveryStatus.PENDING,
                        tries=0,
                        next_try_at=now,
                        data=data,
                        created_at=now,
                    )
                )
                await self.session.flush()
            except sa.exc.IntegrityError:
                await savepoint.rollback()
                await self.session.execute(
                    sa.update(Subscription)
                    .where(Subscription.id == subscription.id)
                    .values(remaining=Subscription.remaining + 1)
                )
                return False
        return True

    async def due(self, now: dt.datetime, limit: int) -> list[int]:
        rows = await self.session.scalars(
            sa.select(Delivery.id)
            .where(
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.next_try_at <= now,
                sa.or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
            )
            .order_by(Delivery.next_try_at, Delivery.id)
            .limit(limit)
        )
        return list(rows)

    async def claim(self, delivery_id: int, now: dt.datetime, until: dt.datetime) -> bool:
        """Take one try of a due send; only one of several runners racing for it gets True."""
        claimed = await self.session.execute(
            sa.update(Delivery)
            .where(
                Delivery.id == delivery_id,
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.next_try_at <= now,
                sa.or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
            )
            .values(claimed_until=until, tries=Delivery.tries + 1)
        )
        return bool(claimed.rowcount)  # type: ignore[attr-defined]

    async def delivery(self, delivery_id: int) -> Delivery | None:
        return await self.session.get(Delivery, delivery_id)

    async def openid_of(self, resident_id: int, kind: str) -> str | None:
        return await self.session.scalar(
            sa.select(Subscription.openid_sealed)
            .join(Resident, Resident.id == Subscription.resident_id)
            .where(
                Subscription.resident_id == resident_id,
                Subscription.kind == kind,
                Resident.deleted_at.is_(None),
            )
        )

    async def no_sends_left(self, resident_id: int, kind: str) -> None:
        await self.session.execute(
            sa.update(Subscription)
            .where(Subscription.resident_id == resident_id, Subscription.kind == kind)
            .values(remaining=0)
        )


async def forget_resident(session: AsyncSession, resident_id: int) -> dict[str, int]:
    """Erasure: delete the resident's read marks, opt-ins (with their sealed openids) and sends."""
    counts = {}
    for name, model in (
        ("notification_marks", NotificationMark),
        ("notification_subscriptions", Subscription),
        ("notification_deliveries", Delivery),
    ):
        result = await session.execute(sa.delete(model).where(model.resident_id == resident_id))
        counts[name] = result.rowcount or 0  # type: ignore[attr-defined]
    return counts
