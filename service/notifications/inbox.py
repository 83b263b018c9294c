"""A resident's inbox, derived on each read from what already exists: actions, ledger lots, vouchers.

Why derived and not materialised: every notice is a view of rows other slices own and keep exact. A credit
lands in the action and the ledger in one transaction; a notice table written beside them would need the
credit path (the batch credit path among others) to write it too, and could disagree with the books after a
reversal, an erasure or a replay. Derived notices cannot disagree, and need nothing from the credit path.
What cannot be derived is stored: read marks and WeChat sends (models.py).

Each notice has a stable, deterministic id that says what it is about, and a time ``at`` (when it appeared
or last changed) that orders the inbox, newest first:

- ``credits:YYYY-MM-DD``: the coins credited on a local day (the city's zone), with the count of actions
  per family. ``at`` is the day's latest credit, so a mark made earlier that day leaves it unread again.
- ``rejection:<action id>``: a rejected action, its reason codes and their meanings, at its recording.
- ``expiring:YYYY-MM-DD``: coins still spendable in lots expiring that local day, shown from 30 days before.
- ``voucher:<id>:lapsing``: a held voucher that lapses within 3 days, shown from then.

A read mark remembers the notice's ``at`` when it was read; the notice is read while its ``at`` is not
later, and ``*`` marks everything up to a time read. A read scans the resident's own actions (an index on
``resident_id``; a few per day each), so no table grows with notices.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from methodologies._sdk.families import family_names
from service.errors import NotFound
from service.methodology.registry import Registry, reason_meanings
from service.notifications.models import ALL_UP_TO
from service.notifications.repository import ActionRow, NotificationRepository, OfferRow, VoucherRow

EXPIRY_NOTICE = dt.timedelta(days=30)
VOUCHER_NOTICE = dt.timedelta(days=3)
KINDS = ("credits", "rejection", "expiring", "voucher_lapsing", "offer_approved", "offer_rejected")
TITLE = re.compile(r"^(?P<en>.*?)\s*\((?P<zh>[^()]*)\)\s*$")


@dataclass(frozen=True)
class Reason:
    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class Notice:
    id: str
    kind: str
    at: dt.datetime
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    coins: int | None = None
    day: dt.date | None = None
    action_id: int | None = None
    voucher_id: int | None = None
    offer_id: int | None = None
    reasons: tuple[Reason, ...] = field(default=())

    @property
    def key(self) -> tuple[dt.datetime, str]:
        return (self.at, self.id)


def is_read(notice: Notice, marks: dict[str, dt.datetime]) -> bool:
    for key in (notice.id, ALL_UP_TO):
        seen = marks.get(key)
        if seen is not None and seen >= notice.at:
            return True
    return False


async def notices(
    repo: NotificationRepository, registry: Registry, zone: ZoneInfo, resident_id: int, now: dt.datetime
) -> list[Notice]:
    """Every notice of ``resident_id`` at ``now``, newest first."""
    actions = await repo.actions(resident_id)
    found = credit_days(actions, zone, now)
    found += [rejection(a, registry) for a in actions if a.status == "rejected"]
    found += expiring(await repo.expiring_lots(resident_id, now, now + EXPIRY_NOTICE), zone)
    found += [lapsing(v, zone) for v in await repo.lapsing_vouchers(resident_id, now, now + VOUCHER_NOTICE)]
    return sorted(found, key=lambda n: n.key, reverse=True)


def find(found: list[Notice], notification_id: str) -> Notice:
    for notice in found:
        if notice.id == notification_id:
            return notice
    raise NotFound(f"there is no notification {notification_id!r}", code="notification_not_found")


def methodology_names(registry: Registry, methodology_id: str, code_version: str) -> tuple[str, str]:
    """(中文, English) of a methodology's title "Bus trip (公交出行)"."""
    try:
        title = registry.version(methodology_id, code_version).title
    except NotFound:
        return methodology_id, methodology_id
    parsed = TITLE.match(title)
    return (parsed["zh"], parsed["en"]) if parsed else (title, title)


def credit_days(actions: list[ActionRow], zone: ZoneInfo, now: dt.datetime) -> list[Notice]:
    days: dict[dt.date, list[ActionRow]] = defaultdict(list)
    for action in actions:
        if action.status == "accepted" and action.coins > 0:
            days[action.created_at.astimezone(zone).date()].append(action)
    today = now.astimezone(zone).date()
    found = []
    for day, credited in days.items():
        coins = sum(a.coins for a in credited)
        counts = Counter(a.family for a in credited)
        names = {f: family_names(f) for f in counts}
        when_zh = "今日" if day == today else f"{day.month}月{day.day}日"
        when_en = "today" if day == today else f"on {day:%d %b %Y}"
        found.append(
            Notice(
                id=f"credits:{day.isoformat()}",
                kind="credits",
                at=max(a.created_at for a in credited),
                title_zh=f"{when_zh}获得 {coins} 碳币",
                title_en=f"You earned {coins} coins {when_en}",
                body_zh="、".join(f"{names[f][0]} {n} 次" for f, n in sorted(counts.items())),
                body_en=", ".join(f"{names[f][1]} ×{n}" for f, n in sorted(counts.items())),
                coins=coins,
                day=day,
            )
        )
    return found


def rejection(action: ActionRow, registry: Registry) -> Notice:
    zh, en = methodology_names(registry, action.methodology_id, action.code_version)
    try:
        meanings = reason_meanings(registry.version(action.methodology_id, action.code_version))
    except NotFound:
        meanings = {}
    reasons = tuple(Reason(code, *meanings.get(code, (code, code))) for code in action.reasons)
    return Notice(
        id=f"rejection:{action.id}",
        kind="rejection",
        at=action.created_at,
        title_zh=f"{zh}未获碳币",
        title_en=f"{en}: no coins credited",
        body_zh="；".join(r.zh for r in reasons) or "未通过核验",
        body_en="; ".join(r.en for r in reasons) or "not verified",
        action_id=action.id,
        reasons=reasons,
    )


def expiring(lots: list[tuple[dt.datetime, int]], zone: ZoneInfo) -> list[Notice]:
    by_day: dict[dt.date, tuple[dt.datetime, int]] = {}
    for expires_at, coins in lots:
        day = expires_at.astimezone(zone).date()
        first, total = by_day.get(day, (expires_at, 0))
        by_day[day] = (min(first, expires_at), total + coins)
    return [
        Notice(
            id=f"expiring:{day.isoformat()}",
            kind="expiring",
            at=expires_at - EXPIRY_NOTICE,
            title_zh=f"{coins} 碳币将于 {day.month}月{day.day}日 过期",
            title_en=f"{coins} coins expire on {day:%d %b %Y}",
            body_zh="请在过期前到商户兑换使用",
            body_en="Spend them at a merchant before they expire",
            coins=coins,
            day=day,
        )
        for day, (expires_at, coins) in sorted(by_day.items())
    ]


def lapsing(voucher: VoucherRow, zone: ZoneInfo) -> Notice:
    local = voucher.expires_at.astimezone(zone)
    return Notice(
        id=f"voucher:{voucher.id}:lapsing",
        kind="voucher_lapsing",
        at=voucher.expires_at - VOUCHER_NOTICE,
        title_zh=f"优惠券即将过期：{voucher.merchant_name} · {voucher.offer_title}",
        title_en=f"Voucher about to lapse: {voucher.merchant_name} · {voucher.offer_title}",
        body_zh=f"请在 {local:%Y-%m-%d %H:%M} 前使用，过期后碳币退回",
        body_en=f"Use it before {local:%Y-%m-%d %H:%M}; after that the coins return to you",
        day=local.date(),
        voucher_id=voucher.id,
    )


def offer_reviewed(offer: OfferRow) -> Notice:
    """A merchant's notice: the city approved or rejected an offer's current revision."""
    return offer_approved(offer) if offer.approved_at is not None else offer_rejected(offer)


def offer_rejected(offer: OfferRow) -> Notice:
    assert offer.rejected_at is not None
    reason = offer.rejection_reason or ""
    return Notice(
        id=f"offer:{offer.id}:rejected:{offer.revision}",
        kind="offer_rejected",
        at=offer.rejected_at,
        title_zh=f"优惠未通过审核：{offer.title}",
        title_en=f"Offer rejected: {offer.title}",
        body_zh=f"第 {offer.revision} 版被退回：{reason}。修改后将重新提交审核",
        body_en=f"Revision {offer.revision} was sent back: {reason}. Change it and it is submitted again",
        offer_id=offer.id,
    )


def offer_approved(offer: OfferRow) -> Notice:
    assert offer.approved_at is not None
    return Notice(
        id=f"offer:{offer.id}:approved:{offer.revision}",
        kind="offer_approved",
        at=offer.approved_at,
        title_zh=f"优惠已通过审核：{offer.title}",
        title_en=f"Offer approved: {offer.title}",
        body_zh=f"第 {offer.revision} 版已上架，居民可见",
        body_en=f"Revision {offer.revision} is live and visible to residents",
        offer_id=offer.id,
    )
