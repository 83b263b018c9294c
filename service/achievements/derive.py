"""Achievements and yearly reports derived from a resident's actions and ledger transfers.

Only accepted actions whose credit was not reversed count, each on its local date in the city's zone (the
day it happened, not the day it was reported). Everything is recomputed on read: there is no stored state
to drift from the actions.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from service.achievements.rules import FIRSTS, MILESTONES, STREAKS, Medal
from service.actions.models import Action, ActionStatus
from service.identity.models import Resident
from service.ledger.models import Account, AccountKind, Transfer


@dataclass(frozen=True)
class Counted:
    """One accepted, unreversed action as achievements see it."""

    day: dt.date
    family: str
    methodology_id: str
    grams: int


@dataclass(frozen=True)
class Earned:
    medal: Medal
    on: dt.date


async def counted(session: AsyncSession, resident_id: int, zone: ZoneInfo) -> list[Counted]:
    """The resident's counted actions in the order they happened."""
    rows = await session.execute(
        sa.select(Action.occurred_at, Action.family, Action.methodology_id, Action.grams)
        .where(
            Action.resident_id == resident_id,
            Action.status == ActionStatus.ACCEPTED,
            Action.reversed_at.is_(None),
        )
        .order_by(Action.occurred_at, Action.id)
    )
    return [Counted(at.astimezone(zone).date(), f, m, g) for at, f, m, g in rows]


def medals(actions: Sequence[Counted]) -> list[Earned]:
    """Every medal the actions earn, with the local date it was earned, in the order earned."""
    earned: dict[str, Earned] = {}
    total = 0
    for action in actions:
        first = FIRSTS.get(action.family)
        if first is not None and first.id not in earned:
            earned[first.id] = Earned(first, action.day)
        total += action.grams
        for threshold, medal in MILESTONES:
            if total >= threshold and medal.id not in earned:
                earned[medal.id] = Earned(medal, action.day)
    for weeks, medal in STREAKS:
        on = streak_reached(actions, weeks)
        if on is not None:
            earned[medal.id] = Earned(medal, on)
    return sorted(earned.values(), key=lambda e: (e.on, e.medal.id))


def streak_reached(actions: Sequence[Counted], weeks: int) -> dt.date | None:
    """The first day that completed ``weeks`` consecutive ISO weeks with a counted action, if any."""
    run, last_week = 0, None
    for action in actions:
        week = _monday(action.day)
        if week == last_week:
            continue
        run = run + 1 if last_week is not None and week - last_week == dt.timedelta(weeks=1) else 1
        last_week = week
        if run == weeks:
            return action.day
    return None


@dataclass
class Standing:
    """Where a resident stands among the residents of their district (by lifetime grams)."""

    district: str | None
    residents: int
    below: int  # residents of the district with fewer grams

    def percentile(self, k: int) -> int | None:
        """The share of the district with fewer grams, in whole percent; None under k residents."""
        if self.district is None or self.residents < k:
            return None
        return self.below * 100 // self.residents


async def standing(session: AsyncSession, resident_id: int, district: str | None, grams: int) -> Standing:
    if district is None:
        return Standing(None, 0, 0)
    neighbours = sa.select(Resident.id).where(Resident.district == district, Resident.deleted_at.is_(None))
    totals = (
        sa.select(Action.resident_id, sa.func.sum(Action.grams).label("grams"))
        .where(
            Action.resident_id.in_(neighbours),
            Action.status == ActionStatus.ACCEPTED,
            Action.reversed_at.is_(None),
        )
        .group_by(Action.resident_id)
        .subquery()
    )
    residents = await session.scalar(sa.select(sa.func.count()).select_from(neighbours.subquery()))
    with_more_or_equal = await session.scalar(
        sa.select(sa.func.count()).select_from(totals).where(totals.c.grams >= grams)
    )
    # Residents without a counted action have 0 grams: below anyone with grams, level with anyone without.
    below = (residents or 0) - (with_more_or_equal or 0) if grams > 0 else 0
    return Standing(district, residents or 0, below)


@dataclass
class Coins:
    earned: int = 0  # issued to the wallet (credits, welcome coins)
    spent: int = 0  # paid to merchants
    expired: int = 0
    reversed: int = 0  # credits taken back (a partner's correction)


@dataclass
class YearReport:
    year: int
    grams_by_family: dict[str, tuple[int, int]] = field(default_factory=dict)  # family -> (grams, actions)
    grams_by_month: dict[int, int] = field(default_factory=dict)
    medals: list[Earned] = field(default_factory=list)
    coins: Coins = field(default_factory=Coins)


def year_report(actions: Sequence[Counted], year: int) -> YearReport:
    report = YearReport(year, grams_by_month=dict.fromkeys(range(1, 13), 0))
    by_family: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for action in actions:
        if action.day.year != year:
            continue
        by_family[action.family][0] += action.grams
        by_family[action.family][1] += 1
        report.grams_by_month[action.day.month] += action.grams
    report.grams_by_family = {f: (g, n) for f, (g, n) in sorted(by_family.items())}
    report.medals = [e for e in medals(actions) if e.on.year == year]
    return report


async def coins_in_year(session: AsyncSession, wallet_id: int | None, year: int, zone: ZoneInfo) -> Coins:
    """Coins that moved into and out of the wallet during the local ``year``, by what moved them."""
    coins = Coins()
    if wallet_id is None:
        return coins
    start = dt.datetime(year, 1, 1, tzinfo=zone)
    end = dt.datetime(year + 1, 1, 1, tzinfo=zone)
    incoming = await _sums(
        session, Transfer.credit_account_id, Transfer.debit_account_id, wallet_id, start, end
    )
    outgoing = await _sums(
        session, Transfer.debit_account_id, Transfer.credit_account_id, wallet_id, start, end
    )
    coins.earned = incoming.get(AccountKind.ISSUANCE, 0) + incoming.get(AccountKind.ADJUSTMENT, 0)
    # A merchant's refund (a reversed payment) comes back from the merchant: it undoes spending.
    coins.spent = outgoing.get(AccountKind.MERCHANT, 0) - incoming.get(AccountKind.MERCHANT, 0)
    coins.expired = outgoing.get(AccountKind.EXPIRY, 0)
    coins.reversed = outgoing.get(AccountKind.ISSUANCE, 0) + outgoing.get(AccountKind.ADJUSTMENT, 0)
    return coins


async def _sums(
    session: AsyncSession,
    wallet_side: Any,
    other_side: Any,
    wallet_id: int,
    start: dt.datetime,
    end: dt.datetime,
) -> dict[str, int]:
    """Amounts moved between the wallet (on ``wallet_side``) and other accounts, by the other's kind."""
    other = aliased(Account)
    rows = await session.execute(
        sa.select(other.kind, sa.func.sum(Transfer.amount))
        .join(other, other.id == other_side)
        .where(wallet_side == wallet_id, Transfer.created_at >= start, Transfer.created_at < end)
        .group_by(other.kind)
    )
    return {kind: int(amount) for kind, amount in rows}


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())
