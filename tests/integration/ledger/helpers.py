"""Small helpers for ledger tests: funded wallets, balances, and a movable clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from service.identity.repository import IdentityRepository
from service.ledger.models import Account, Transfer
from service.ledger.service import Ledger
from service.settings import Settings


@dataclass
class Clock:
    now: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 11, 20, 4, 0, tzinfo=dt.UTC))

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


async def resident(session, phone: str = "13700000001") -> int:  # type: ignore[no-untyped-def]
    row = await IdentityRepository(session).ensure_resident_by_phone_hash(
        f"ledger-{phone}", dt.datetime.now(dt.UTC)
    )
    return row.id


def ledger(session, settings: Settings, clock: Clock | None = None) -> Ledger:  # type: ignore[no-untyped-def]
    return Ledger(session, settings.ledger, settings.zone, clock=clock or Clock())


async def balances(session) -> dict[str, tuple[int, int]]:  # type: ignore[no-untyped-def]
    rows = await session.execute(
        sa.select(Account.code, Account.balance, Account.held).execution_options(populate_existing=True)
    )
    return {code: (balance, held) for code, balance, held in rows}


async def transfer_count(session) -> int:  # type: ignore[no-untyped-def]
    return await session.scalar(sa.select(sa.func.count()).select_from(Transfer)) or 0
