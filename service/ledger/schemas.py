"""Response bodies of the ledger's read routes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class AccountOut(BaseModel):
    id: int
    kind: str
    code: str
    balance: int
    held: int
    available: int
    created_at: dt.datetime


class CheckOut(BaseModel):
    name: str
    description: str
    ok: bool
    mismatch_count: int
    mismatches: list[str]


class VerifyReportOut(BaseModel):
    ok: bool
    accounts: int
    transfers: int
    checks: list[CheckOut]
