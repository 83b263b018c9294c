"""A plain-Python model of the ledger's rules, for the state machine to predict every outcome exactly.

It knows balances, holds, and each wallet's lots (keyed by the transfer that opened them), and follows the
documented rules: wallet debits take from unexpired lots earliest expiry first, a reversal of a credit takes
from that credit's own lot first, a reversed debit's coins go back to the lots they came from.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

SHANGHAI = dt.timezone(dt.timedelta(hours=8))  # China has kept +08:00 without DST since 1991


def lot_expiry(earned_at: dt.datetime, years_after: int = 1) -> dt.datetime:
    """The end of 31 December, ``years_after`` years after the Shanghai year of ``earned_at``."""
    year = earned_at.astimezone(SHANGHAI).year + years_after
    return dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI)


@dataclass
class ModelLot:
    wallet: int
    expires: dt.datetime
    amount: int
    remaining: int
    held: int = 0

    @property
    def free(self) -> int:
        return self.remaining - self.held


@dataclass
class ModelTransfer:
    id: int
    debit: int
    credit: int
    amount: int
    kind: str
    allocations: list[tuple[int, int]] = field(default_factory=list)  # (lot, coins) taken from the debit
    reverses: int | None = None
    reversed_by: int | None = None
    replay: object = None  # how to send the same request again (credits and spends only)


@dataclass
class ModelHold:
    id: int
    debit: int
    credit: int
    amount: int
    expires: dt.datetime
    allocations: list[tuple[int, int]]
    state: str = "pending"
    transfer: int | None = None


class ModelLedger:
    def __init__(self, wallets: list[int], merchants: list[int]) -> None:
        self.wallets = set(wallets)
        self.guarded = set(wallets) | set(merchants)
        self.balance: dict[int, int] = defaultdict(int)
        self.held: dict[int, int] = defaultdict(int)
        self.lots: dict[int, ModelLot] = {}  # by the id of the transfer that opened the lot
        self.transfers: dict[int, ModelTransfer] = {}
        self.holds: dict[int, ModelHold] = {}

    def available(self, account: int) -> int:
        return self.balance[account] - self.held[account]

    # lots -------------------------------------------------------------------------------------------
    def _order(self, wallet: int, now: dt.datetime, prefer: int | None) -> list[int]:
        spendable = sorted(
            (lot.expires, key)
            for key, lot in self.lots.items()
            if lot.wallet == wallet and lot.expires > now and lot.free > 0 and key != prefer
        )
        first = [prefer] if prefer is not None and prefer in self.lots else []
        return first + [key for _, key in spendable]

    def takeable(self, wallet: int, now: dt.datetime, prefer: int | None = None) -> int:
        return sum(max(self.lots[key].free, 0) for key in self._order(wallet, now, prefer))

    def can_debit(self, account: int, amount: int, now: dt.datetime, prefer: int | None = None) -> bool:
        if account in self.wallets:
            return self.available(account) >= amount and self.takeable(account, now, prefer) >= amount
        return account not in self.guarded or self.available(account) >= amount

    def _take(self, wallet: int, amount: int, now: dt.datetime, *, hold: bool, prefer: int | None = None):  # type: ignore[no-untyped-def]
        taken, left = [], amount
        for key in self._order(wallet, now, prefer):
            take = min(left, self.lots[key].free)
            if take <= 0:
                continue
            if hold:
                self.lots[key].held += take
            else:
                self.lots[key].remaining -= take
            taken.append((key, take))
            left -= take
            if left == 0:
                break
        assert left == 0, "the model let through a debit it cannot cover"
        return taken

    def _open_lot(self, wallet: int, transfer: int, amount: int, now: dt.datetime) -> None:
        self.lots[transfer] = ModelLot(wallet, lot_expiry(now), amount, amount)

    # operations (each called only once the service said yes) ---------------------------------------
    def transfer(self, t: ModelTransfer, now: dt.datetime, *, prefer: int | None = None) -> None:
        self.balance[t.debit] -= t.amount
        self.balance[t.credit] += t.amount
        if t.debit in self.wallets:
            t.allocations = self._take(t.debit, t.amount, now, hold=False, prefer=prefer)
        if t.credit in self.wallets:
            original = self.transfers.get(t.reverses) if t.reverses is not None else None
            if original is not None and original.allocations:
                for key, coins in original.allocations:
                    self.lots[key].remaining += coins
            else:
                self._open_lot(t.credit, t.id, t.amount, now)
        self.transfers[t.id] = t

    def hold(self, h: ModelHold, now: dt.datetime) -> None:
        self.held[h.debit] += h.amount
        if h.debit in self.wallets:
            h.allocations = self._take(h.debit, h.amount, now, hold=True)
        self.holds[h.id] = h

    def post(self, h: ModelHold, transfer_id: int, now: dt.datetime) -> None:
        h.state, h.transfer = "posted", transfer_id
        self.held[h.debit] -= h.amount
        self.balance[h.debit] -= h.amount
        self.balance[h.credit] += h.amount
        for key, coins in h.allocations:
            self.lots[key].remaining -= coins
            self.lots[key].held -= coins
        if h.credit in self.wallets:
            self._open_lot(h.credit, transfer_id, h.amount, now)
        self.transfers[transfer_id] = ModelTransfer(
            transfer_id, h.debit, h.credit, h.amount, "hold", list(h.allocations)
        )

    def void(self, h: ModelHold) -> None:
        h.state = "voided"
        self.held[h.debit] -= h.amount
        for key, coins in h.allocations:
            self.lots[key].held -= coins

    def due_holds(self, now: dt.datetime) -> list[ModelHold]:
        return [h for h in self.holds.values() if h.state == "pending" and h.expires <= now]

    def due_lots(self, now: dt.datetime) -> dict[int, int]:
        """``{lot: coins}`` the expiry sweep must move now."""
        return {key: lot.free for key, lot in self.lots.items() if lot.expires <= now and lot.free > 0}

    def expire(self, t: ModelTransfer, lot: int) -> None:
        self.balance[t.debit] -= t.amount
        self.balance[t.credit] += t.amount
        self.lots[lot].remaining -= t.amount
        t.allocations = [(lot, t.amount)]
        self.transfers[t.id] = t
