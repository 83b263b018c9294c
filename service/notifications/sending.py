"""WeChat subscribe messages: plan each opt-in's send, then send what is due, each at most once.

Invariants:

1. A message is never sent twice. Planning inserts one ``notification_deliveries`` row per (resident,
   notice, template) under a unique key, and spends one of the opt-in's sends in the same transaction;
   whoever loses the race (another runner, a second worker) inserts nothing.
2. A try is claimed before WeChat is called: a guarded update (pending, due, not claimed by a live
   runner) that only one runner wins, committed before the call. A runner that dies mid-send leaves the
   claim to expire after ``claim_seconds``; only then can it be tried again (a message may then go out a
   second time only if WeChat accepted it and the runner died before recording that: at-most-once is
   kept for every outcome the runner lives to see).
3. Failures are retried with exponential backoff (``retry_base_seconds * 2^(tries-1)``, at most an hour)
   up to ``max_tries``, then given up (``failed``). WeChat's final refusals are not retried; 43101 (the
   user has no subscription left) also sets the opt-in's remaining sends to 0.
4. Only notices from the opt-in on are sent; a deleted account's opt-ins send nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from service.db.engine import Database
from service.methodology.registry import Registry
from service.notifications import inbox
from service.notifications.models import Delivery, DeliveryStatus, Subscription
from service.notifications.repository import NotificationRepository
from service.notifications.wechat import Outcome, Refused, Retry, Sent, SubscribeClient
from service.partners.crypto import SecretBox
from service.settings import Settings, SubscribeTemplate

log = logging.getLogger("tanbi.notifications")

BATCH = 500
MAX_BACKOFF_SECONDS = 3600
WECHAT_TEXT = 20  # WeChat's limit for "thing" values; the shortest common keyword limit


def configured(settings: Settings) -> bool:
    wechat = settings.wechat
    return bool(wechat.app_id and wechat.app_secret is not None and settings.subscribe.templates)


def template_kind(settings: Settings, template_id: str) -> str | None:
    for kind, template in settings.subscribe.templates.items():
        if template.template_id == template_id:
            return kind
    return None


def render(notice: inbox.Notice, template: SubscribeTemplate, zone: Any) -> dict[str, dict[str, str]]:
    """The template's ``data``: each keyword filled from the notice, in Chinese, within WeChat's limits."""
    day = notice.day or notice.at.astimezone(zone).date()
    values = {
        "title": notice.title_zh,
        "summary": notice.body_zh,
        "amount": str(notice.coins or 0),
        "date": f"{day.year}年{day.month}月{day.day}日",
    }
    return {keyword: {"value": values[source][:WECHAT_TEXT]} for keyword, source in template.fields.items()}


async def plan(database: Database, settings: Settings, registry: Registry, now: dt.datetime) -> int:
    """Insert the next send of every opt-in that has one left and a notice it has not sent; the count."""
    planned = 0
    async with database.session() as session:
        repo = NotificationRepository(session)
        for subscription in await repo.open_subscriptions(BATCH):
            template = settings.subscribe.templates.get(subscription.kind)  # type: ignore[call-overload]
            if template is None or template.template_id != subscription.template_id:
                continue  # the template was changed or removed from the settings since the opt-in
            notice = await _next_notice(repo, registry, settings, subscription, now)
            if notice is not None and await repo.plan(
                subscription, notice.id, render(notice, template, settings.zone), now
            ):
                planned += 1
        await session.commit()
    return planned


async def _next_notice(
    repo: NotificationRepository,
    registry: Registry,
    settings: Settings,
    subscription: Subscription,
    now: dt.datetime,
) -> inbox.Notice | None:
    found = await inbox.notices(repo, registry, settings.zone, subscription.resident_id, now)
    sent = await repo.delivered(subscription.resident_id, subscription.template_id)
    fresh = [
        n for n in found if n.kind == subscription.kind and n.at >= subscription.since and n.id not in sent
    ]
    return fresh[0] if fresh else None  # the newest


async def send_due(database: Database, settings: Settings, now: dt.datetime) -> dict[str, int]:
    """Try every due send once; counts of what happened."""
    counts = {"sent": 0, "refused": 0, "retry": 0, "failed": 0}
    async with database.session() as session:
        due = await NotificationRepository(session).due(now, BATCH)
    if not due:
        return counts
    assert settings.auth.secrets_key is not None
    box = SecretBox(settings.auth.secrets_key.get_secret_value())
    client = SubscribeClient(settings.wechat)
    try:
        for delivery_id in due:
            message = await _claim(database, settings, box, delivery_id, now)
            if message is None:
                continue  # another runner has it
            outcome: Outcome = (
                await client.send(message) if message.get("touser") else Refused(0, "no opt-in any more")
            )
            counts[await _record(database, settings, delivery_id, outcome, now)] += 1
    finally:
        await client.close()
    return counts


async def _claim(
    database: Database, settings: Settings, box: SecretBox, delivery_id: int, now: dt.datetime
) -> dict[str, Any] | None:
    until = now + dt.timedelta(seconds=settings.subscribe.claim_seconds)
    async with database.session() as session:
        repo = NotificationRepository(session)
        if not await repo.claim(delivery_id, now, until):
            await session.rollback()
            return None
        delivery = await repo.delivery(delivery_id)
        assert delivery is not None
        sealed = await repo.openid_of(delivery.resident_id, delivery.kind)
        await session.commit()
        return {
            "touser": box.open(sealed) if sealed else None,
            "template_id": delivery.template_id,
            "page": settings.subscribe.page,
            "data": delivery.data,
            "miniprogram_state": settings.subscribe.miniprogram_state,
            "lang": "zh_CN",
        }


async def _record(
    database: Database, settings: Settings, delivery_id: int, outcome: Outcome, now: dt.datetime
) -> str:
    async with database.session() as session:
        repo = NotificationRepository(session)
        delivery = await repo.delivery(delivery_id)
        assert delivery is not None
        result = _apply(delivery, outcome, settings, now)
        if isinstance(outcome, Refused) and outcome.errcode == 43101:
            await repo.no_sends_left(delivery.resident_id, delivery.kind)
        await session.commit()
    log.info("subscribe message %s: %s (try %d)", delivery_id, result, delivery.tries)
    return result


def _apply(delivery: Delivery, outcome: Outcome, settings: Settings, now: dt.datetime) -> str:
    delivery.claimed_until = None
    if isinstance(outcome, Sent):
        delivery.status, delivery.sent_at, delivery.last_error = DeliveryStatus.SENT, now, None
        return "sent"
    if isinstance(outcome, Refused):
        delivery.status = DeliveryStatus.REFUSED
        delivery.last_error = f"{outcome.errcode}: {outcome.reason}"[:200]
        return "refused"
    assert isinstance(outcome, Retry)
    delivery.last_error = outcome.reason[:200]
    if delivery.tries >= settings.subscribe.max_tries:
        delivery.status = DeliveryStatus.FAILED
        return "failed"
    wait = min(settings.subscribe.retry_base_seconds * 2 ** (delivery.tries - 1), MAX_BACKOFF_SECONDS)
    delivery.next_try_at = now + dt.timedelta(seconds=wait)
    return "retry"
