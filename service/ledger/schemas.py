"""Response bodies of the ledger's read routes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from service.ledger.models import AccountKind

# The checks service/ledger/verify.py runs (and the credit path's, service/actions/keys.py, which the route
# and the CLI add); a new check must be added here, or the report cannot be read.
CheckName = Literal[
    "balances_sum_to_zero",
    "balances_match_transfers",
    "held_matches_holds",
    "lots_match_wallets",
    "transfers_have_idempotency_records",
    "transfers_match_their_keys",
    "projects_never_debited",
    "grams_carry_over",
    "replay_guards_hold",
    "references_resolve",
]


class AccountOut(BaseModel):
    """One ledger account and its balances, in coins."""

    id: int = Field(description="the account's id")
    kind: AccountKind = Field(
        description=(
            "issuance: where the city's coins come from; wallet: a resident's; merchant: a merchant's "
            "takings; expiry: where expired coins go; adjustment: corrections; project: a public-welfare "
            "project's donated coins (never debited)"
        )
    )
    code: str = Field(
        description=(
            "the account's stable name: wallet:<resident id>, merchant:<merchant id> (or "
            "merchant:<merchant id>:<shard>), issuance:<shard>, expiry, adjustment or project:<project id>"
        )
    )
    balance: int = Field(
        description=(
            "posted balance in coins: credits minus debits, held coins included (negative for an "
            "issuance account)"
        )
    )
    held: int = Field(description="coins of the balance reserved by pending holds")
    available: int = Field(description="balance minus held: what a wallet or merchant account can spend")
    created_at: dt.datetime = Field(description="when the account was opened (ISO 8601 timestamp, UTC)")


class CheckOut(BaseModel):
    """The outcome of one ledger invariant check."""

    name: CheckName = Field(description="the check's name")
    description: str = Field(description="what the check verifies, in plain English")
    ok: bool = Field(description="true when no mismatch was found")
    mismatch_count: int = Field(description="how many mismatches were found (exact)")
    mismatches: list[str] = Field(description="the first 20 mismatches, each described in plain English")


class VerifyReportOut(BaseModel):
    """The ledger recomputed from its transfers and compared with what is stored."""

    ok: bool = Field(description="true when every check passed")
    accounts: int = Field(description="number of accounts in the ledger")
    transfers: int = Field(description="number of posted transfers in the ledger")
    checks: list[CheckOut] = Field(description="every check run, in order")
