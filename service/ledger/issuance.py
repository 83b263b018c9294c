"""Issuing coins: new coins from the city's issuance accounts to residents' wallets, in one of two modes.

``Ledger.issue(credits, mode=...)`` is the only way coins are issued. Each credit becomes the same rows
whatever the mode: a transfer from ``issuance:<wallet id % issuance_shards>`` to ``wallet:<resident>``, its
idempotency record (operation ``transfer``, the fingerprint ``Ledger.transfer`` computes, so a later
CHECKED call with the same key and credit replays it), an expiry lot, and both balances. The modes differ
in what the caller knows about the keys:

- ``CHECKED``: nothing. Each key is claimed first, in the credit's own savepoint (``Ledger.transfer``): the
  same key and credit return the first transfer and move nothing, the same key for a different credit
  raises ``IdempotencyConflict``. For keys a client may send twice: the API, the demo, adjustments.
- ``FRESH``: the keys are new, because they name rows created in the caller's transaction (``action:<id>``
  of an action just inserted). Nothing is looked up: each table is written with one statement, transfer
  ids reserved up front so lots and records can name them, and the balances changed with one statement at
  the end of the call, so an issuance account is updated once per call, not once per credit (those few
  rows are every crediting transaction's hot spot). A key that is not new fails on the database's unique
  constraints (``IntegrityError``) and, as the call runs in a savepoint, moves nothing: a broken promise
  can never issue twice.

Both dialects, through the dialect seam (``service.db.dialect``).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.base import table
from service.db.dialect import dialect_for
from service.ledger.models import Account, AccountKind, IdempotencyRecord, Lot, Transfer, shard_of
from service.ledger.requests import TransferRequest, validate_amount_and_key

if TYPE_CHECKING:
    from service.ledger.service import Ledger


class IssueMode(enum.StrEnum):
    CHECKED = "checked"
    """Each key claimed first: replay-safe, for keys a caller may repeat."""
    FRESH = "fresh"
    """Set-based, for keys the caller guarantees are new; a used key fails on a unique constraint."""


@dataclass(frozen=True)
class Credit:
    """``amount`` new coins for ``resident_id``'s wallet, under ``idempotency_key``."""

    resident_id: int
    amount: int
    idempotency_key: str
    reference: str | None = None
    kind: str = "credit"


async def issue(ledger: Ledger, credits: Sequence[Credit], mode: IssueMode) -> list[int]:
    """Issue ``credits`` in ``mode``; their transfer ids, in order. Validates every credit first."""
    for credit in credits:
        validate_amount_and_key(credit.amount, credit.idempotency_key)  # before any account is made for it
    if not credits:
        return []
    if IssueMode(mode) == IssueMode.FRESH:  # IssueMode(...): a mistyped mode fails, never falls back
        async with ledger.session.begin_nested():  # a used key fails inside: the call's rows go with it
            return await _issue_fresh(ledger, credits)
    return [await _issue_checked(ledger, credit) for credit in credits]


async def _issue_checked(ledger: Ledger, credit: Credit) -> int:
    wallet = await ledger.wallet(credit.resident_id)
    source = await ledger.issuance_account(wallet.id % ledger.settings.issuance_shards)
    request = TransferRequest(
        source.id, wallet.id, credit.amount, credit.kind, credit.idempotency_key, credit.reference
    )
    return (await ledger.transfer(request)).id


async def _issue_fresh(ledger: Ledger, credits: Sequence[Credit]) -> list[int]:
    session, shards = ledger.session, ledger.settings.issuance_shards
    wallet_codes = {f"wallet:{c.resident_id}": (AccountKind.WALLET, c.resident_id) for c in credits}
    wallets = await _ensure_accounts(session, wallet_codes)
    wallet_of = {c.resident_id: wallets[f"wallet:{c.resident_id}"] for c in credits}
    source_codes = {f"issuance:{w % shards}": (AccountKind.ISSUANCE, None) for w in wallet_of.values()}
    sources = await _ensure_accounts(session, source_codes)
    dialect = dialect_for(session)
    ids = await dialect.next_ids(table(Transfer), len(credits))
    now = ledger.clock()
    expires_at = ledger.lot_expiry(now)
    transfers, records, lots = [], [], []
    deltas: dict[int, int] = defaultdict(int)
    for transfer_id, credit in zip(ids, credits, strict=True):
        wallet = wallet_of[credit.resident_id]
        source = sources[f"issuance:{wallet % shards}"]
        request = TransferRequest(
            source, wallet, credit.amount, credit.kind, credit.idempotency_key, credit.reference
        )
        transfers.append(_transfer_row(transfer_id, credit.resident_id, request, now))
        records.append(
            {
                "key": request.idempotency_key,
                "resident_id": credit.resident_id,
                "fingerprint": request.fingerprint("transfer"),
                "operation": "transfer",
                "transfer_id": transfer_id,
                "hold_id": None,
                "created_at": now,
            }
        )
        lots.append(
            {
                "resident_id": credit.resident_id,
                "account_id": wallet,
                "transfer_id": transfer_id,
                "amount": credit.amount,
                "remaining": credit.amount,
                "held": 0,
                "expires_at": expires_at,
                "created_at": now,
            }
        )
        deltas[wallet] += credit.amount
        deltas[source] -= credit.amount
    # No ON CONFLICT: a key that is not new must fail here (transfers.idempotency_key is unique, and so is
    # the record's key), never be skipped or issued again.
    await dialect.insert(table(Transfer), transfers)
    await dialect.insert(table(IdempotencyRecord), records)
    await dialect.insert(table(Lot), lots)
    # Wallets and issuance accounts in one statement, locked in ascending id order like every ledger writer.
    await dialect.add_to(table(Account).c.balance, deltas)
    return ids


async def _ensure_accounts(
    session: AsyncSession, wanted: Mapping[str, tuple[str, int | None]]
) -> dict[str, int]:
    """Account ids by code, creating the missing ones (``wanted``: code -> (kind, owner id))."""
    codes = sorted(wanted)
    found = await _account_ids(session, codes)
    missing = [code for code in codes if code not in found]
    if missing:
        now = dt.datetime.now(dt.UTC)
        rows: list[dict[str, Any]] = [
            {
                "kind": wanted[c][0],
                "code": c,
                "owner_id": wanted[c][1],
                "resident_id": shard_of(wanted[c][0], c, wanted[c][1]),
                "balance": 0,
                "held": 0,
                "created_at": now,
            }
            for c in missing
        ]
        conflict = "ON CONFLICT (code, resident_id) DO NOTHING"
        await dialect_for(session).insert(table(Account), rows, on_conflict=conflict)
        found |= await _account_ids(session, missing)
    return found


async def _account_ids(session: AsyncSession, codes: list[str]) -> dict[str, int]:
    rows = await session.execute(
        sa.select(Account.code, Account.id).where(dialect_for(session).one_of(Account.code, codes))
    )
    return dict(rows.all())


def _transfer_row(
    transfer_id: int, resident_id: int, request: TransferRequest, now: dt.datetime
) -> dict[str, Any]:
    return {
        "id": transfer_id,
        "resident_id": resident_id,
        "debit_account_id": request.debit_account_id,
        "credit_account_id": request.credit_account_id,
        "amount": request.amount,
        "kind": request.kind,
        "reference": request.reference,
        "idempotency_key": request.idempotency_key,
        "reverses_id": None,
        "hold_id": None,
        "created_at": now,
    }
