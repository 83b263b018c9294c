"""Request and response bodies of the offer, pay-code, charge and voucher routes."""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

MAX_COINS = 10**12


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OfferIn(StrictBody):
    title: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=2000)
    price: int = Field(gt=0, le=MAX_COINS)
    stock_total: int = Field(ge=0, le=10**7)
    per_resident_limit: int = Field(default=1, ge=1, le=1000)
    valid_from: AwareDatetime
    valid_until: AwareDatetime
    active: bool = True


class OfferPatch(StrictBody):
    title: str | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=2000)
    price: int | None = Field(default=None, gt=0, le=MAX_COINS)
    stock_total: int | None = Field(default=None, ge=0, le=10**7)
    per_resident_limit: int | None = Field(default=None, ge=1, le=1000)
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    active: bool | None = None


class OfferOut(BaseModel):
    id: int
    merchant_id: int
    title: str
    description: str
    price: int
    stock_total: int
    stock_left: int
    per_resident_limit: int
    valid_from: dt.datetime
    valid_until: dt.datetime
    active: bool
    revision: int = Field(description="bumped when title, description, price or validity change")
    approved: bool = Field(description="the city approved this revision")


class OfferPage(BaseModel):
    items: list[OfferOut]
    next_cursor: str | None


class PayCodeOut(BaseModel):
    paycode: str
    expires_at: dt.datetime


class ChargeIn(StrictBody):
    paycode: str = Field(min_length=1, max_length=100)
    amount: int = Field(gt=0, le=MAX_COINS)
    idempotency_key: str = Field(min_length=1, max_length=160)


class ChargeOut(BaseModel):
    """A charge as the merchant's till sees it: never the resident's or an account's id."""

    id: int
    amount: int
    transfer_id: int
    created_at: dt.datetime
    replayed: bool


class RefundOut(BaseModel):
    charge_id: int
    reversal_transfer_id: int


class VoucherIn(StrictBody):
    offer_id: int = Field(ge=1, le=2**63 - 1)


class VoucherOut(BaseModel):
    id: int
    code: str
    offer_id: int
    price: int
    status: str
    expires_at: dt.datetime
    created_at: dt.datetime
    resolved_at: dt.datetime | None


class VoucherPage(BaseModel):
    items: list[VoucherOut]
    next_cursor: str | None


class ConsumedOut(BaseModel):
    voucher: VoucherOut
    transfer_id: int


class ApproveIn(StrictBody):
    revision: int = Field(ge=1, le=2**31 - 1, description="the revision the city reviewed")
