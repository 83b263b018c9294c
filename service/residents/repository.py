"""SQL of one resident's own data. Every query is scoped by the resident's id (or wallet) first."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.models import Action, ActionStatus
from service.db.engine import Database
from service.db.reads import Batched, fetch
from service.identity.models import Resident
from service.identity.service import check_active
from service.ledger.models import Account, AccountKind, Lot, Transfer

EXPIRING_WINDOW = dt.timedelta(days=30)


@dataclass(frozen=True)
class ActionKey:
    """Where a page of actions stops: actions are listed by (occurred_at, id), newest first."""

    occurred_at: dt.datetime
    id: int


@dataclass(frozen=True)
class LotRow:
    id: int
    amount: int
    remaining: int
    held: int
    created_at: dt.datetime
    expires_at: dt.datetime


def _wallet_read(keys: sa.TableValuedAlias | None = None) -> sa.Select[Any]:
    """The resident (for active_resident's checks), the wallet account's held coins and the spendable lots,
    in one statement: a resident without an account yet has one row of nulls after the resident's.

    Without ``keys``, for the parameters ``resident_id`` and ``now``; with them, for each of their rows,
    numbered by ``ord`` (service/db/reads.py's Batched).
    """
    resident_id = sa.bindparam("resident_id") if keys is None else keys.c.resident_id
    now = sa.bindparam("now") if keys is None else keys.c.now
    first = [] if keys is None else [keys.c.ord]
    start = Resident if keys is None else keys.join(Resident, Resident.id == resident_id)
    return (
        sa.select(
            *first,
            Resident.deleted_at,
            Account.held.label("account_held"),
            Lot.id.label("lot_id"),
            Lot.amount,
            Lot.remaining,
            Lot.held,
            Lot.created_at,
            Lot.expires_at,
        )
        .select_from(start)
        .outerjoin(Account, Account.code == sa.literal("wallet:") + sa.cast(Resident.id, sa.String))
        .outerjoin(Lot, sa.and_(Lot.account_id == Account.id, Lot.expires_at > now, Lot.remaining > 0))
        .where(Resident.id == resident_id)
        .order_by(*first, Lot.expires_at, Lot.id)
    )


WALLET = Batched(
    one=_wallet_read(),
    many=_wallet_read(
        sa.func.unnest(
            sa.cast(sa.bindparam("resident_ids"), postgresql.ARRAY(sa.BigInteger)),
            sa.cast(sa.bindparam("nows"), postgresql.ARRAY(sa.DateTime(timezone=True))),
        )
        .table_valued("resident_id", "now", with_ordinality="ord")
        .render_derived(name="keys")
    ),
    params=("resident_id", "now"),
)


async def active_wallet(source: AsyncSession | Database, resident_id: int, now: dt.datetime) -> Wallet:
    """``ResidentRepository.wallet`` after ``active_resident``'s checks, in one statement (the hot read),
    through a session or, outside any transaction, the database (service/db/reads.py)."""
    rows = await fetch(source, WALLET, resident_id=resident_id, now=now)
    check_active(bool(rows), rows[0]["deleted_at"] if rows else None)
    if rows[0]["account_held"] is None:
        return Wallet()
    lots = [
        LotRow(r["lot_id"], r["amount"], r["remaining"], r["held"], r["created_at"], r["expires_at"])
        for r in rows
        if r["lot_id"] is not None
    ]
    return _wallet(rows[0]["account_held"], lots, now)


def _wallet(held: int, lots: Sequence[Lot | LotRow], now: dt.datetime) -> Wallet:
    soon = now + EXPIRING_WINDOW
    available = sum(lot.remaining - lot.held for lot in lots)
    expiring = sum(lot.remaining - lot.held for lot in lots if lot.expires_at <= soon)
    return Wallet(available, held, lots, expiring)


@dataclass
class Wallet:
    """Coins, not grams. ``available`` counts only unexpired lots' unreserved coins (what can be spent
    now); coins of a lot that has expired but not yet been swept are in the account's balance, not here."""

    available: int = 0
    held: int = 0
    lots: Sequence[Lot | LotRow] = ()
    expiring_30d: int = 0


@dataclass
class Impact:
    """Grams CO2e of accepted actions."""

    total_grams: int = 0
    by_methodology: dict[str, tuple[int, int]] = field(default_factory=dict)  # id -> (grams, actions)
    by_month: dict[str, int] = field(default_factory=dict)  # "YYYY-MM" in the city's zone -> grams


class ResidentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def wallet_account(self, resident_id: int) -> Account | None:
        return await self.session.scalar(sa.select(Account).where(Account.code == f"wallet:{resident_id}"))

    async def wallet(self, resident_id: int, now: dt.datetime) -> Wallet:
        """The wallet as of ``now``: zeros before the first credit; lots unexpired and not empty, earliest
        expiry first; ``expiring_30d`` the unreserved coins of lots expiring within 30 days of ``now``."""
        account = await self.wallet_account(resident_id)
        if account is None:
            return Wallet()
        lots = (
            await self.session.scalars(
                sa.select(Lot)
                .where(Lot.account_id == account.id, Lot.expires_at > now, Lot.remaining > 0)
                .order_by(Lot.expires_at, Lot.id)
            )
        ).all()
        return _wallet(account.held, lots, now)

    async def actions(self, resident_id: int, before: ActionKey | None, limit: int) -> Sequence[Action]:
        """Up to ``limit`` of the resident's actions, latest ``occurred_at`` first (id breaks ties), all
        strictly after ``before`` in that order. Served by the (resident_id, occurred_at) index."""
        stmt = sa.select(Action).where(Action.resident_id == resident_id)
        if before is not None:
            stmt = stmt.where(
                sa.or_(
                    Action.occurred_at < before.occurred_at,
                    sa.and_(Action.occurred_at == before.occurred_at, Action.id < before.id),
                )
            )
        stmt = stmt.order_by(Action.occurred_at.desc(), Action.id.desc()).limit(limit)
        return (await self.session.scalars(stmt)).all()

    async def action(self, resident_id: int, action_id: int) -> Action | None:
        """The action if it is this resident's; None for another's as for a missing one."""
        stmt = sa.select(Action).where(Action.id == action_id, Action.resident_id == resident_id)
        return await self.session.scalar(stmt)

    async def transfers(self, account_id: int, before_id: int | None, limit: int) -> Sequence[Transfer]:
        """Up to ``limit`` transfers into or out of the account, newest (highest id) first."""
        stmt = sa.select(Transfer).where(
            sa.or_(Transfer.credit_account_id == account_id, Transfer.debit_account_id == account_id)
        )
        if before_id is not None:
            stmt = stmt.where(Transfer.id < before_id)
        return (await self.session.scalars(stmt.order_by(Transfer.id.desc()).limit(limit))).all()

    async def impact(self, resident_id: int, zone: ZoneInfo) -> Impact:
        """Accepted actions' grams in total, per methodology (sorted by id) and per local month (sorted)."""
        # Months are cut in the city's zone, which SQLite cannot do: the per-action rows are summed here.
        rows = await self.session.execute(
            sa.select(Action.methodology_id, Action.occurred_at, Action.grams).where(
                Action.resident_id == resident_id, Action.status == ActionStatus.ACCEPTED
            )
        )
        result = Impact()
        grams_by_methodology: dict[str, int] = defaultdict(int)
        count_by_methodology: dict[str, int] = defaultdict(int)
        by_month: dict[str, int] = defaultdict(int)
        for methodology_id, occurred_at, grams in rows.all():
            result.total_grams += grams
            grams_by_methodology[methodology_id] += grams
            count_by_methodology[methodology_id] += 1
            by_month[occurred_at.astimezone(zone).strftime("%Y-%m")] += grams
        result.by_methodology = {
            m: (grams_by_methodology[m], count_by_methodology[m]) for m in sorted(grams_by_methodology)
        }
        result.by_month = dict(sorted(by_month.items()))
        return result


@dataclass
class Counterparts:
    """What a page of wallet transfers refers to, for naming each one: the resident's own actions, offers
    (with their merchant's name), merchants by their ledger account, and the transfers reversals undo."""

    actions: dict[int, Action] = field(default_factory=dict)
    offers: dict[int, tuple[str, str, str | None]] = field(default_factory=dict)  # merchant, title, title_en
    merchants: dict[int, str] = field(default_factory=dict)  # account id -> merchant name
    reversed: dict[int, Transfer] = field(default_factory=dict)


async def counterparts(
    session: AsyncSession, resident_id: int, transfers: Sequence[Transfer]
) -> Counterparts:
    """Everything ``transfers`` (a page of the resident's wallet) refer to, in at most four statements.
    Merchants and offers are read from the merchants' tables, never written."""
    from service.merchants.models import Merchant, Offer

    found = Counterparts()
    reverses = {t.reverses_id for t in transfers if t.reverses_id is not None}
    if reverses:
        rows = await session.scalars(sa.select(Transfer).where(Transfer.id.in_(reverses)))
        found.reversed = {t.id: t for t in rows}
    every = [*transfers, *found.reversed.values()]
    action_ids = {n for t in every if (n := referenced_id(t.reference, "action:")) is not None}
    if action_ids:
        rows_a = await session.scalars(
            sa.select(Action).where(Action.resident_id == resident_id, Action.id.in_(action_ids))
        )
        found.actions = {a.id: a for a in rows_a}
    offer_ids = {n for t in every if (n := referenced_id(t.reference, "offer:")) is not None}
    if offer_ids:
        rows_o = await session.execute(
            sa.select(Offer.id, Merchant.name, Offer.title, Offer.title_en)
            .join(Merchant, Merchant.id == Offer.merchant_id)
            .where(Offer.id.in_(offer_ids))
        )
        found.offers = {r.id: (r.name, r.title, r.title_en) for r in rows_o}
    accounts = {a for t in every for a in (t.debit_account_id, t.credit_account_id)}
    rows_m = await session.execute(
        sa.select(Account.id, Merchant.name)
        .join(Merchant, Merchant.id == Account.owner_id)
        .where(Account.id.in_(accounts), Account.kind == AccountKind.MERCHANT)
    )
    found.merchants = {r.id: r.name for r in rows_m}
    return found


def referenced_id(reference: str | None, prefix: str) -> int | None:
    if reference and reference.startswith(prefix) and reference[len(prefix) :].isdigit():
        return int(reference[len(prefix) :])
    return None
