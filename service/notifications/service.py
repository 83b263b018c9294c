"""The inbox's rules: pages, read marks, unread counts, and recording WeChat opt-ins."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from service.db.base import table
from service.db.sql import insert_ignoring_conflict
from service.errors import Forbidden, Invalid, Unauthorized
from service.http.dates import EARLIEST, LATEST
from service.identity.models import Resident
from service.identity.service import keyed_hash
from service.identity.wechat import exchange_code
from service.methodology.registry import Registry
from service.notifications import inbox
from service.notifications.models import Subscription
from service.notifications.repository import NotificationRepository
from service.notifications.sending import template_kind
from service.partners.crypto import SecretBox
from service.settings import Settings


@dataclass(frozen=True)
class Page:
    items: list[tuple[inbox.Notice, bool]]  # (notice, read)
    next_cursor: str | None
    unread: int


def _bad_cursor() -> Invalid:
    return Invalid("the cursor is not one this API gave out", code="invalid_cursor")


def encode_cursor(notice: inbox.Notice) -> str:
    return base64.urlsafe_b64encode(
        f"{notice.at.astimezone(dt.UTC).isoformat()}|{notice.id}".encode()
    ).decode()


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    try:
        at, _, notice_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        when = dt.datetime.fromisoformat(at)
    except (binascii.Error, ValueError) as exc:
        raise _bad_cursor() from exc
    if (
        when.tzinfo is None
        or not EARLIEST.year <= when.astimezone(dt.UTC).year <= LATEST.year
        or not notice_id
    ):
        raise _bad_cursor()
    return when, notice_id


class Notifications:
    def __init__(self, session: AsyncSession, registry: Registry, zone: ZoneInfo) -> None:
        self.repo = NotificationRepository(session)
        self.registry = registry
        self.zone = zone

    async def page(self, resident_id: int, now: dt.datetime, cursor: str | None, limit: int) -> Page:
        found = await inbox.notices(self.repo, self.registry, self.zone, resident_id, now)
        marks = await self.repo.marks(resident_id)
        read = [(n, inbox.is_read(n, marks)) for n in found]
        after = [r for r in read if r[0].key < decode_cursor(cursor)] if cursor else read
        items = after[:limit]
        more = len(after) > limit
        return Page(
            items=items,
            next_cursor=encode_cursor(items[-1][0]) if more else None,
            unread=sum(1 for _, seen in read if not seen),
        )

    async def mark_read(
        self, resident_id: int, now: dt.datetime, ids: list[str] | None, up_to: str | None
    ) -> int:
        """Mark notices read; the unread count left. Unknown ids are refused and nothing is marked."""
        if (ids is None) == (up_to is None):
            raise Invalid("send either ids or up_to", code="invalid_read_marks")
        found = await inbox.notices(self.repo, self.registry, self.zone, resident_id, now)
        if ids is not None:
            await self.repo.mark(resident_id, {n.id: n.at for n in (inbox.find(found, i) for i in ids)})
        else:
            assert up_to is not None
            await self.repo.mark_up_to(resident_id, inbox.find(found, up_to).at)
        marks = await self.repo.marks(resident_id)
        return sum(1 for n in found if not inbox.is_read(n, marks))


async def subscribe(
    session: AsyncSession,
    settings: Settings,
    resident: Resident,
    hash_key: bytes,
    template_id: str,
    code: str,
    now: dt.datetime,
) -> tuple[str, int]:
    """Record one accepted opt-in to ``template_id``; (its kind, the sends it now allows)."""
    kind = template_kind(settings, template_id)
    if kind is None:
        raise Invalid(f"{template_id!r} is not one of this service's templates", code="unknown_template")
    try:
        identity = await exchange_code(settings.wechat, code)
    except Unauthorized as exc:  # the code is bad, not the caller's token: 401 is for the token alone
        raise Invalid("the WeChat login code is invalid or used; call wx.login again", code=exc.code) from exc
    openid_hash = keyed_hash(hash_key, f"openid:{identity.openid}")
    if resident.openid_hash is not None and resident.openid_hash != openid_hash:
        raise Forbidden(
            "this WeChat account is not the one you signed in with", code="wechat_account_mismatch"
        )
    assert settings.auth.secrets_key is not None
    sealed = SecretBox(settings.auth.secrets_key.get_secret_value()).seal(identity.openid)
    repo = NotificationRepository(session)
    # The row first, ignoring a conflict: two first opt-ins at once both land on one row (on PostgreSQL
    # the second waits for the first's commit), then the row is read locked and counted up.
    row = {"resident_id": resident.id, "kind": kind, "template_id": template_id}
    row |= {"openid_sealed": sealed, "remaining": 0, "since": now, "updated_at": now}
    await session.execute(
        insert_ignoring_conflict(session, table(Subscription), ["resident_id", "kind"]).values(**row)
    )
    subscription = await repo.subscription(resident.id, kind)
    assert subscription is not None
    if subscription.template_id != template_id or subscription.remaining == 0:
        subscription.since = now  # a new opt-in: notices from now on
    subscription.template_id = template_id
    subscription.openid_sealed = sealed
    subscription.remaining += 1
    subscription.updated_at = now
    await session.flush()
    return kind, subscription.remaining
