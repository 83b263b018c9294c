"""A merchant's statement: coins received per local day, by charges and vouchers, less refunds.

Built from the ledger's transfers on the merchant's account, so it reconciles by construction: the
opening balance plus the period's net is the closing balance, and a statement to today closes at the
account's balance (the tests check both against the ledger).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.ledger.models import Account, AccountKind, Transfer

COLUMNS = (
    "date",
    "charges",
    "charge_coins",
    "vouchers",
    "voucher_coins",
    "refunds",
    "refund_coins",
    "net_coins",
)


@dataclass
class Day:
    date: dt.date
    charges: int = 0
    charge_coins: int = 0
    vouchers: int = 0
    voucher_coins: int = 0
    refunds: int = 0
    refund_coins: int = 0

    @property
    def net_coins(self) -> int:
        return self.charge_coins + self.voucher_coins - self.refund_coins

    def row(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in COLUMNS} | {"date": self.date.isoformat()}


@dataclass
class Statement:
    merchant_id: int
    start: dt.date
    end: dt.date  # inclusive
    opening_balance: int
    days: list[Day] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        sums = {name: sum(getattr(d, name) for d in self.days) for name in COLUMNS[1:]}
        return sums

    @property
    def closing_balance(self) -> int:
        return self.opening_balance + self.totals["net_coins"]

    def as_json(self) -> dict[str, object]:
        return {
            "merchant_id": self.merchant_id,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "opening_balance": self.opening_balance,
            "closing_balance": self.closing_balance,
            "totals": self.totals,
            "days": [d.row() for d in self.days],
        }

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for day in self.days:
            writer.writerow(day.row())
        writer.writerow({"date": "total", **self.totals})
        return out.getvalue()


async def statement(
    session: AsyncSession, merchant_id: int, start: dt.date, end: dt.date, zone: ZoneInfo
) -> Statement:
    since = dt.datetime.combine(start, dt.time(), zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone)
    accounts = await merchant_accounts(session, merchant_id)
    if not accounts:
        return Statement(merchant_id, start, end, 0, _empty_days(start, end))
    opening = await _balance_before(session, accounts, since)
    rows = await session.execute(
        sa.select(Transfer.kind, Transfer.amount, Transfer.credit_account_id, Transfer.created_at).where(
            sa.or_(Transfer.credit_account_id.in_(accounts), Transfer.debit_account_id.in_(accounts)),
            Transfer.created_at >= since,
            Transfer.created_at < until,
        )
    )
    days: dict[dt.date, Day] = {d.date: d for d in _empty_days(start, end)}
    for kind, amount, credit_id, created_at in rows.all():
        day = days[created_at.astimezone(zone).date()]
        if credit_id not in accounts:
            day.refunds, day.refund_coins = day.refunds + 1, day.refund_coins + amount
        elif kind == "voucher":
            day.vouchers, day.voucher_coins = day.vouchers + 1, day.voucher_coins + amount
        else:
            day.charges, day.charge_coins = day.charges + 1, day.charge_coins + amount
    return Statement(merchant_id, start, end, opening, list(days.values()))


async def merchant_accounts(session: AsyncSession, merchant_id: int) -> list[int]:
    """Every account of the merchant (its takings are spread over ``ledger.merchant_shards`` of them)."""
    stmt = sa.select(Account.id).where(Account.kind == AccountKind.MERCHANT, Account.owner_id == merchant_id)
    return list((await session.scalars(stmt.order_by(Account.id))).all())


async def _balance_before(session: AsyncSession, accounts: list[int], before: dt.datetime) -> int:
    # A transfer between two of the merchant's own accounts would count +amount and -amount: zero.
    credits = sa.select(sa.func.coalesce(sa.func.sum(Transfer.amount), 0)).where(
        Transfer.credit_account_id.in_(accounts), Transfer.created_at < before
    )
    debits = sa.select(sa.func.coalesce(sa.func.sum(Transfer.amount), 0)).where(
        Transfer.debit_account_id.in_(accounts), Transfer.created_at < before
    )
    return int(await session.scalar(credits) or 0) - int(await session.scalar(debits) or 0)


def _empty_days(start: dt.date, end: dt.date) -> list[Day]:
    return [Day(start + dt.timedelta(days=n)) for n in range((end - start).days + 1)]
