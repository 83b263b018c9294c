"""A merchant's statement: every transfer on its accounts in a period (a line each, with the running
balance), per-day totals, opening and closing balances, and each figure in yuan at the city's rate.

Built from the ledger's transfers on the merchant's accounts, so it reconciles by construction. The
opening balance is the accounts' net before the first day, the closing balance their net before the day
after the last, each summed by the database on its own; the lines are the transfers in between. So
``opening + sum(lines) == closing`` is a check of the period's edges, not an identity of the code (a
hypothesis property tests it), and a statement to today closes at the accounts' balance.

Yuan: each figure is converted on its own at ``yuan_per_coin`` and rounded half up to the fen, so the
closing yuan is the closing balance converted, not the sum of the lines' rounded yuan.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.ledger.models import Account, AccountKind, Transfer

FEN = Decimal("0.01")
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
# Column headers of the CSVs in Chinese (lang=zh), by English header.
DAY_HEADERS_ZH = {
    "date": "日期",
    "charges": "付款码收款笔数",
    "charge_coins": "付款码收款碳币",
    "vouchers": "核销券数",
    "voucher_coins": "核销券碳币",
    "refunds": "退款笔数",
    "refund_coins": "退款碳币",
    "net_coins": "净收碳币",
    "net_yuan": "净收金额（元）",
}
LINE_COLUMNS = ("time", "date", "kind", "transfer_id", "coins", "balance", "yuan", "balance_yuan")
LINE_HEADERS_ZH = {
    "time": "时间",
    "date": "日期",
    "kind": "类型",
    "transfer_id": "流水号",
    "coins": "碳币",
    "balance": "余额（碳币）",
    "yuan": "金额（元）",
    "balance_yuan": "余额（元）",
}
KINDS_ZH = {
    "opening": "期初余额",
    "charge": "付款码收款",
    "voucher": "核销券",
    "refund": "退款",
    "other": "其他",
    "closing": "期末余额",
    "total": "合计",
}


def yuan(coins: int, rate: Decimal) -> Decimal:
    """``coins`` in yuan at ``rate`` yuan a coin, rounded half up to the fen."""
    return (Decimal(coins) * rate).quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """One transfer on the merchant's accounts: coins in (positive) or out (negative)."""

    transfer_id: int
    at: dt.datetime  # UTC
    date: dt.date  # local
    kind: str  # charge, voucher, refund (coins back to a resident) or other
    coins: int
    balance: int  # the merchant's coins after this line


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

    def add(self, line: Line) -> None:
        if line.kind == "refund":
            self.refunds, self.refund_coins = self.refunds + 1, self.refund_coins - line.coins
        elif line.kind == "voucher":
            self.vouchers, self.voucher_coins = self.vouchers + 1, self.voucher_coins + line.coins
        else:  # a charge, or (not made today) another transfer into the merchant's accounts
            self.charges, self.charge_coins = self.charges + 1, self.charge_coins + line.coins


@dataclass
class Statement:
    merchant_id: int
    start: dt.date
    end: dt.date  # inclusive
    opening_balance: int
    closing_balance: int
    yuan_per_coin: Decimal
    zone: ZoneInfo
    days: list[Day] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        return {name: sum(getattr(d, name) for d in self.days) for name in COLUMNS[1:]}

    def as_json(self) -> dict[str, object]:
        rate = self.yuan_per_coin
        totals = self.totals
        return {
            "merchant_id": self.merchant_id,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "yuan_per_coin": str(rate),
            "opening_balance": self.opening_balance,
            "opening_yuan": str(yuan(self.opening_balance, rate)),
            "closing_balance": self.closing_balance,
            "closing_yuan": str(yuan(self.closing_balance, rate)),
            "totals": totals | {"net_yuan": str(yuan(totals["net_coins"], rate))},
            "days": [d.row() | {"net_yuan": str(yuan(d.net_coins, rate))} for d in self.days],
            "lines": [
                {
                    "transfer_id": line.transfer_id,
                    "at": line.at.isoformat(),
                    "date": line.date.isoformat(),
                    "kind": line.kind,
                    "coins": line.coins,
                    "balance": line.balance,
                    "yuan": str(yuan(line.coins, rate)),
                }
                for line in self.lines
            ],
        }

    def days_csv(self, zh: bool = False) -> str:
        """A row per day, then a total row (date ``total`` / 合计)."""
        rate, columns = self.yuan_per_coin, (*COLUMNS, "net_yuan")
        rows = [d.row() | {"net_yuan": yuan(d.net_coins, rate)} for d in self.days]
        totals = self.totals
        rows.append(
            {
                "date": KINDS_ZH["total"] if zh else "total",
                **totals,
                "net_yuan": yuan(totals["net_coins"], rate),
            }
        )
        return _csv(columns, DAY_HEADERS_ZH if zh else None, rows)

    def lines_csv(self, zh: bool = False) -> str:
        """An opening row, a row per transfer with the running balance, a closing row."""
        rate = self.yuan_per_coin
        label = (lambda kind: KINDS_ZH[kind]) if zh else (lambda kind: kind)

        def edge(kind: str, when: dt.date, balance: int) -> dict[str, object]:
            return {
                "date": when.isoformat(),
                "kind": label(kind),
                "balance": balance,
                "balance_yuan": yuan(balance, rate),
            }

        rows = [edge("opening", self.start, self.opening_balance)]
        rows += [
            {
                "time": line.at.astimezone(self.zone).isoformat(timespec="seconds"),
                "date": line.date.isoformat(),
                "kind": label(line.kind),
                "transfer_id": line.transfer_id,
                "coins": line.coins,
                "balance": line.balance,
                "yuan": yuan(line.coins, rate),
                "balance_yuan": yuan(line.balance, rate),
            }
            for line in self.lines
        ]
        rows.append(edge("closing", self.end, self.closing_balance))
        return _csv(LINE_COLUMNS, LINE_HEADERS_ZH if zh else None, rows)


def _csv(columns: Sequence[str], headers: dict[str, str] | None, rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    if headers is None:
        writer.writeheader()
    else:
        writer.writerow({c: headers[c] for c in columns})
    writer.writerows(rows)
    return out.getvalue()


async def statement(
    session: AsyncSession,
    merchant_id: int,
    start: dt.date,
    end: dt.date,
    zone: ZoneInfo,
    yuan_per_coin: Decimal = Decimal("0.01"),
) -> Statement:
    """The merchant's statement for the local days ``start`` to ``end`` (both included) in ``zone``."""
    since = dt.datetime.combine(start, dt.time(), zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone)
    days: dict[dt.date, Day] = {d.date: d for d in _empty_days(start, end)}
    accounts = await merchant_accounts(session, merchant_id)
    if not accounts:
        return Statement(merchant_id, start, end, 0, 0, yuan_per_coin, zone, list(days.values()))
    opening = await _balance_before(session, accounts, since)
    closing = await _balance_before(session, accounts, until)
    rows = await session.execute(
        sa.select(
            Transfer.id,
            Transfer.kind,
            Transfer.amount,
            Transfer.credit_account_id,
            Transfer.debit_account_id,
            Transfer.created_at,
        )
        .where(
            sa.or_(Transfer.credit_account_id.in_(accounts), Transfer.debit_account_id.in_(accounts)),
            Transfer.created_at >= since,
            Transfer.created_at < until,
        )
        .order_by(Transfer.created_at, Transfer.id)
    )
    lines, running = [], opening
    for transfer_id, kind, amount, credit_id, debit_id, created_at in rows.all():
        coins = (amount if credit_id in accounts else 0) - (amount if debit_id in accounts else 0)
        if coins == 0:  # between two of the merchant's own accounts
            continue
        running += coins
        label = "refund" if coins < 0 else kind if kind in ("charge", "voucher") else "other"
        local = created_at.astimezone(zone).date()
        line = Line(transfer_id, created_at, local, label, coins, running)
        lines.append(line)
        days[local].add(line)
    return Statement(
        merchant_id, start, end, opening, closing, yuan_per_coin, zone, list(days.values()), lines
    )


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
