"""Response bodies of the resident's own routes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel


class LotOut(BaseModel):
    id: int
    amount: int
    remaining: int
    held: int
    earned_at: dt.datetime
    expires_at: dt.datetime


class WalletOut(BaseModel):
    available: int
    held: int
    lots: list[LotOut]
    expiring_30d: int


class ActionOut(BaseModel):
    id: int
    methodology_id: str
    status: str
    reasons: list[str]
    occurred_at: dt.datetime
    grams: int
    coins: int
    breakdown: dict[str, Any]


class ActionPage(BaseModel):
    items: list[ActionOut]
    next_cursor: str | None


class TransferOut(BaseModel):
    id: int
    kind: str
    amount: int  # + into the wallet, - out of it
    reference: str | None
    created_at: dt.datetime


class TransferPage(BaseModel):
    items: list[TransferOut]
    next_cursor: str | None


class MethodologyImpact(BaseModel):
    methodology_id: str
    grams: int
    actions: int


class MonthImpact(BaseModel):
    month: str
    grams: int


class ImpactOut(BaseModel):
    total_grams: int
    by_methodology: list[MethodologyImpact]
    by_month: list[MonthImpact]
