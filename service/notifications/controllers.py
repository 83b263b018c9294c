"""HTTP routes of the resident's inbox (``/v1/me/notifications``): notices, read marks, WeChat opt-ins."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Body, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.base import utcnow
from service.identity.guards import provide_principal, requires
from service.identity.principal import Principal, Role
from service.identity.service import active_resident, active_resident_id
from service.notifications import inbox
from service.notifications.repository import NotificationRepository
from service.notifications.schemas import (
    MerchantNoticeOut,
    MerchantNoticesOut,
    NotificationOut,
    NotificationPage,
    ReadIn,
    ReasonOut,
    SubscribeIn,
    SubscriptionOut,
    SubscriptionsOut,
    UnreadOut,
)
from service.notifications.service import Notifications, subscribe
from service.settings import Settings

PAGE_MAX = 200


def _out(notice: inbox.Notice, read: bool) -> NotificationOut:
    return NotificationOut(
        id=notice.id,
        kind=notice.kind,  # type: ignore[arg-type]
        at=notice.at,
        read=read,
        title_zh=notice.title_zh,
        title_en=notice.title_en,
        body_zh=notice.body_zh,
        body_en=notice.body_en,
        coins=notice.coins,
        date=notice.day,
        action_id=notice.action_id,
        voucher_id=notice.voucher_id,
        reasons=[ReasonOut(code=r.code, zh=r.zh, en=r.en) for r in notice.reasons],
    )


class NotificationController(Controller):
    """Like every resident route, each handler starts with ``active_resident`` (a deleted account's token
    is refused), in the handler, not a dependency (see service/residents/controllers.py for why)."""

    path = "/v1/me/notifications"
    tags = ["resident"]
    guards = requires(Role.RESIDENT)
    dependencies = {"principal": Provide(provide_principal)}

    @get("", operation_id="me_notifications_list", summary="The inbox: notices newest first, unread count")
    async def inbox(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MAX)] = 50,
    ) -> NotificationPage:
        services = request.app.state.services
        resident_id = await active_resident_id(db_session, principal)
        notifications = Notifications(db_session, services.registry, services.settings.zone)
        page = await notifications.page(resident_id, utcnow(), cursor, limit)
        return NotificationPage(
            items=[_out(n, read) for n, read in page.items], next_cursor=page.next_cursor, unread=page.unread
        )

    @post("/read", operation_id="me_notifications_read", summary="Mark notices read", status_code=200)
    async def read(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: Annotated[ReadIn, Body(description='{"ids": [...]} or {"up_to": id}')],
    ) -> UnreadOut:
        services = request.app.state.services
        resident_id = await active_resident_id(db_session, principal)
        notifications = Notifications(db_session, services.registry, services.settings.zone)
        unread = await notifications.mark_read(resident_id, utcnow(), data.ids, data.up_to)
        return UnreadOut(unread=unread)

    @get(
        "/subscriptions",
        operation_id="me_notification_subscriptions",
        summary="WeChat subscribe-message templates and the sends the resident allowed",
    )
    async def subscriptions(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
    ) -> SubscriptionsOut:
        settings: Settings = request.app.state.services.settings
        resident_id = await active_resident_id(db_session, principal)
        mine = {s.kind: s for s in await NotificationRepository(db_session).subscriptions_of(resident_id)}
        return SubscriptionsOut(
            templates=[
                SubscriptionOut(
                    template=template.template_id,
                    kind=kind,
                    remaining=mine[kind].remaining
                    if kind in mine and mine[kind].template_id == template.template_id
                    else 0,
                )
                for kind, template in sorted(settings.subscribe.templates.items())
            ]
        )

    @post(
        "/subscriptions",
        operation_id="me_notification_subscribe",
        summary="Record an accepted wx.requestSubscribeMessage: one message of the template allowed",
    )
    async def subscribe(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: Annotated[SubscribeIn, Body(description="the accepted template and a fresh wx.login code")],
    ) -> SubscriptionOut:
        services = request.app.state.services
        resident = await active_resident(db_session, principal.resident_id)
        kind, remaining = await subscribe(
            db_session, services.settings, resident, services.hash_key, data.template, data.code, utcnow()
        )
        return SubscriptionOut(template=data.template, kind=kind, remaining=remaining)  # type: ignore[arg-type]


class MerchantNotificationController(Controller):
    """A merchant's notices: the city's review of its offers, derived from the offers themselves."""

    path = "/v1/merchant/notifications"
    tags = ["merchant"]
    guards = requires(Role.MERCHANT)
    dependencies = {"principal": Provide(provide_principal)}

    @get("", operation_id="merchant_notifications_list", summary="Offers the city approved or rejected")
    async def merchant_inbox(
        self, db_session: NamedDependency[AsyncSession], principal: NamedDependency[Principal]
    ) -> MerchantNoticesOut:
        offers = await NotificationRepository(db_session).reviewed_offers(int(principal.subject))
        notices = sorted((inbox.offer_reviewed(o) for o in offers), key=lambda n: n.key, reverse=True)
        return MerchantNoticesOut(
            items=[
                MerchantNoticeOut(
                    id=n.id,
                    kind=n.kind,  # type: ignore[arg-type]
                    at=n.at,
                    offer_id=n.offer_id,  # type: ignore[arg-type]
                    title_zh=n.title_zh,
                    title_en=n.title_en,
                    body_zh=n.body_zh,
                    body_en=n.body_en,
                )
                for n in notices
            ]
        )
