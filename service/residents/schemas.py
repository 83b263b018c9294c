"""Response bodies of the resident's own routes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from service.actions.models import ActionStatus

# The kinds of transfer the service posts (the ledger itself takes any kind string): "credit" and
# "demo_credit" (Ledger.issue, called from service/actions/ and service/demo.py),
# "charge" (service/merchants/paycodes.py and the tanbi_charge database function), "voucher"
# (service/merchants/vouchers.py and tanbi_claim_voucher), "reversal" (Ledger.reverse) and "expiry"
# (Ledger.expire_lots), "donation" (service/donations/service.py). A new kind must be added here, or
# /v1/me/transfers cannot list it.
TransferKind = Literal["credit", "demo_credit", "charge", "voucher", "reversal", "expiry", "donation"]

CURSOR = "opaque cursor: pass it back as `cursor` to get the next page; null on the last page"


class LotOut(BaseModel):
    """Coins credited to the wallet together, which expire together."""

    id: int = Field(description="the lot's id")
    amount: int = Field(description="coins credited in the lot")
    remaining: int = Field(description="coins of the lot not yet spent (includes `held`)")
    held: int = Field(description="coins of `remaining` reserved by pending holds (held vouchers)")
    earned_at: dt.datetime = Field(description="when the coins were credited (ISO 8601 timestamp, UTC)")
    expires_at: dt.datetime = Field(
        description=(
            "when the lot's unreserved remaining coins expire: the end of 31 December in the city's time "
            "zone, a configured number of years (1 by default) after the year of earning (ISO 8601 "
            "timestamp, UTC)"
        )
    )


class WalletOut(BaseModel):
    """The resident's coins now (coins, not grams)."""

    available: int = Field(
        description=(
            "coins that can be spent now: the unreserved coins of unexpired lots (coins of a lot that has "
            "expired but not yet been swept are not counted)"
        )
    )
    held: int = Field(description="coins reserved by pending holds (held vouchers); not spendable")
    lots: list[LotOut] = Field(description="the unexpired lots with coins left, earliest expiry first")
    expiring_30d: int = Field(description="unreserved coins of lots that expire within the next 30 days")


class ReasonExplained(BaseModel):
    """A reason code and why it applies to this action, in the request's language, with its numbers."""

    code: str = Field(description="the reason code, as listed in `reasons`")
    text: str = Field(
        description="the explanation in the language of Accept-Language (default Chinese), with the "
        "action's numbers where it has them, e.g. 速度不合理：5.0 公里用时 2 分钟 / Implausible speed: "
        "5.0 km in 2 minutes"
    )


class ActionOut(BaseModel):
    """One action of the resident, as assessed by its methodology; names and explanations in the language of
    Accept-Language (default Chinese)."""

    id: int = Field(description="the action's id")
    methodology_id: str = Field(description="id of the methodology that assessed the action")
    title: str = Field(
        max_length=200,
        description="what to show as the action's headline: the methodology's name and the action's size, "
        "e.g. 公交出行 5.0 km / Bus trip 5.0 km",
    )
    methodology_name: str = Field(max_length=120, description="the methodology's name in the language")
    summary: str | None = Field(
        max_length=40, description="the action's size (e.g. 5.0 km, 12.5 kWh); null when it has none"
    )
    family_name: str | None = Field(
        max_length=60, description="the plan's family the action counts in, named in the language"
    )
    status: ActionStatus = Field(
        description="accepted: grams and coins were credited; rejected: see `reasons`, nothing credited"
    )
    reasons: list[str] = Field(
        description=(
            "reason codes of a rejection (empty when accepted); GET /v1/methodologies/{methodology_id} "
            "documents each code"
        )
    )
    reasons_explained: list[ReasonExplained] = Field(
        description="each reason code of `reasons`, explained in the language; empty when accepted"
    )
    occurred_at: dt.datetime = Field(description="when the action took place (ISO 8601 timestamp, UTC)")
    claimed_grams: int = Field(
        ge=0,
        description="grams CO2e the evidence was worth by the methodology's formula, before checks and caps "
        "(a rejected action shows what was claimed here, and 0 in credited_grams)",
    )
    credited_grams: int = Field(
        ge=0, description="grams CO2e credited, after checks and caps; 0 when rejected (same as `grams`)"
    )
    grams: int = Field(description="grams CO2e avoided credited to the action, after caps; 0 when rejected")
    coins: int = Field(
        description=(
            "coins credited: `grams` divided by the city's grams per coin, rounded down; 0 when rejected"
        )
    )
    breakdown: dict[str, Any] = Field(
        description=(
            "how the grams were computed: the methodology's quantity breakdown (formula, inputs, factors, "
            "exact grams...) with its result as `claimed_grams`, plus `caps` (the caps applied) and "
            "`credited_grams` (as on the action); the keys of the breakdown depend on the methodology"
        )
    )


class ActionPage(BaseModel):
    """A page of the resident's actions, latest occurrence first."""

    items: list[ActionOut] = Field(description="the actions, latest `occurred_at` first")
    next_cursor: str | None = Field(description=CURSOR)


CounterpartKind = Literal["action", "offer", "merchant", "expiry", "city", "welfare_project"]


class Counterpart(BaseModel):
    """What a transfer was for, named for a person in the language of Accept-Language (default Chinese)."""

    kind: CounterpartKind = Field(
        description="action: credit for an action; offer: a voucher of an offer; merchant: a pay-code "
        "charge; expiry: coins expired; city: the platform itself (e.g. demo coins); welfare_project: a "
        "donation to a public-welfare project"
    )
    name: str = Field(
        max_length=300,
        description="e.g. 公交出行 5.0 km, 茶馆 · 绿茶一杯, 退款 · 茶馆 (a reversal names what it undoes)",
    )
    action_id: int | None = Field(default=None, description="the action credited, when kind is action")
    offer_id: int | None = Field(default=None, description="the offer, when kind is offer")


class TransferOut(BaseModel):
    """A movement of coins into or out of the resident's wallet."""

    id: int = Field(description="the ledger transfer's id")
    kind: TransferKind = Field(
        description=(
            "credit: coins for an accepted action; demo_credit: demo welcome coins; charge: a pay-code "
            "charge by a merchant; voucher: a consumed voucher; reversal: a transfer undone (e.g. a "
            "refunded charge); expiry: expired coins swept from the wallet"
        )
    )
    amount: int = Field(description="coins: positive into the wallet, negative out of it")
    reference: str | None = Field(
        description=(
            "free text naming what the transfer is for (e.g. action:<id>, offer:<id>, paycode, refund of "
            "charge <id>); null when there is none"
        )
    )
    counterpart: Counterpart = Field(description="what the transfer was for, readable")
    created_at: dt.datetime = Field(description="when the transfer was posted (ISO 8601 timestamp, UTC)")


class TransferPage(BaseModel):
    """A page of the wallet's transfers, newest first."""

    items: list[TransferOut] = Field(description="the transfers, newest first")
    next_cursor: str | None = Field(description=CURSOR)


class MethodologyImpact(BaseModel):
    """The resident's avoided emissions under one methodology."""

    methodology_id: str = Field(description="the methodology's id")
    grams: int = Field(
        description="grams CO2e avoided by the resident's accepted actions of this methodology"
    )
    actions: int = Field(description="number of the resident's accepted actions of this methodology")


class MonthImpact(BaseModel):
    """The resident's avoided emissions in one month."""

    month: str = Field(description="the month, YYYY-MM, in the city's time zone")
    grams: int = Field(
        description="grams CO2e avoided by the resident's accepted actions that occurred that month"
    )


class ImpactOut(BaseModel):
    """Grams CO2e the resident's accepted actions avoided, in total, by methodology and by month."""

    total_grams: int = Field(description="grams CO2e avoided by all the resident's accepted actions")
    by_methodology: list[MethodologyImpact] = Field(
        description="per methodology with accepted actions, sorted by methodology id"
    )
    by_month: list[MonthImpact] = Field(
        description="per month with accepted actions (months without any are left out), oldest first"
    )
