"""Request and response bodies of the inbox, its read marks and WeChat subscribe-message opt-ins."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

NOTICE_ID = r"^[a-z_]+:[A-Za-z0-9:_\-]+$"
Kind = Literal["credits", "rejection", "expiring", "voucher_lapsing"]
TemplateKind = Literal["credits", "rejection", "expiring", "voucher_lapsing"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReasonOut(_Out):
    """Why an action was not credited: the reason code and what it means."""

    code: str = Field(description="the methodology's machine-readable reason code")
    zh: str = Field(description="the meaning in Chinese")
    en: str = Field(description="the meaning in English")


class NotificationOut(_Out):
    """One notice in the resident's inbox, Chinese first with English alongside."""

    id: str = Field(
        description="stable id saying what the notice is about: credits:<local date>, rejection:<action id>, "
        "expiring:<local date>, voucher:<voucher id>:lapsing"
    )
    kind: Kind = Field(
        description="credits: coins credited on a local day; rejection: an action not credited; expiring: "
        "coins expiring within 30 days; voucher_lapsing: a held voucher lapsing within 3 days"
    )
    at: dt.datetime = Field(description="when the notice appeared or last changed (orders the inbox)")
    read: bool = Field(description="read, and unchanged since it was read")
    title_zh: str = Field(description="the headline in Chinese, e.g. 今日获得 12 碳币")
    title_en: str = Field(description="the headline in English")
    body_zh: str = Field(description="the details in Chinese, e.g. 公交出行 3 次")
    body_en: str = Field(description="the details in English")
    coins: int | None = Field(description="credits and expiring: the coins concerned; otherwise null", ge=0)
    date: dt.date | None = Field(
        description="credits: the local day credited; expiring: the local day the coins expire; "
        "voucher_lapsing: the local day it lapses; otherwise null"
    )
    action_id: int | None = Field(description="rejection: the action (GET /v1/me/actions/{id})", ge=1)
    voucher_id: int | None = Field(description="voucher_lapsing: the voucher (GET /v1/me/vouchers)", ge=1)
    reasons: list[ReasonOut] = Field(description="rejection: every reason with its meaning; otherwise empty")


class NotificationPage(_Out):
    """A page of the inbox, newest first, with the count of unread notices in the whole inbox."""

    items: list[NotificationOut] = Field(description="the notices, newest `at` first")
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")
    unread: int = Field(description="unread notices in the whole inbox (for a badge)", ge=0)


class ReadIn(BaseModel):
    """Mark notices read: the listed ones, or every notice up to (and including) one. Exactly one of the
    two; a notice that changes later (a day's credits grow) is unread again."""

    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[str, Field(max_length=64, pattern=NOTICE_ID)]] | None = Field(
        default=None, description="notice ids from the inbox", min_length=1, max_length=200
    )
    up_to: str | None = Field(
        default=None, description="a notice id: it and every older notice", max_length=64, pattern=NOTICE_ID
    )


class UnreadOut(_Out):
    unread: int = Field(description="unread notices left in the inbox", ge=0)


class SubscribeIn(BaseModel):
    """An opt-in the mini-program got from ``wx.requestSubscribeMessage`` (the template answered
    ``accept``), with a fresh ``wx.login`` code so Tanbi learns the openid to send to. Each call allows one
    message of the template (a one-time subscription)."""

    model_config = ConfigDict(extra="forbid")

    template: str = Field(description="the accepted template id (tmplId)", min_length=1, max_length=128)
    code: str = Field(description="a fresh wx.login code of the same user", min_length=1, max_length=128)


class SubscriptionOut(_Out):
    """A template residents may subscribe to, and the sends this resident allowed and not yet received."""

    template: str = Field(description="the template id (tmplId) to pass to wx.requestSubscribeMessage")
    kind: TemplateKind = Field(description="the notices this template carries")
    remaining: int = Field(description="messages still allowed by the resident's opt-ins", ge=0)


class SubscriptionsOut(_Out):
    templates: list[SubscriptionOut] = Field(
        description="every configured template; empty where WeChat messages are not configured"
    )


class MerchantNoticeOut(_Out):
    """A notice for a merchant: the city's review of one of its offers."""

    id: str = Field(description="offer:<offer id>:approved|rejected:<revision>")
    kind: Literal["offer_approved", "offer_rejected"] = Field(
        description="offer_approved: the revision is live; offer_rejected: sent back with a reason"
    )
    at: dt.datetime = Field(description="when the city reviewed it")
    offer_id: int = Field(description="the offer (GET /v1/merchant/offers)", ge=1)
    title_zh: str = Field(description="the headline in Chinese")
    title_en: str = Field(description="the headline in English")
    body_zh: str = Field(description="the details in Chinese, with the city's reason when rejected")
    body_en: str = Field(description="the details in English")


class MerchantNoticesOut(_Out):
    """The merchant's notices, newest first: the city's latest review of each offer."""

    items: list[MerchantNoticeOut] = Field(description="newest `at` first")
