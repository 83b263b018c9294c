"""Request and response bodies of the offer, pay-code, charge and voucher routes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model, model_validator

from service.merchants.merchant_schemas import MerchantBrief
from service.merchants.models import OfferStatus, VoucherStatus

MAX_COINS = 10**12

TITLE_ZH = "what the resident gets, in Chinese (shown first)"
TITLE_EN = "what the resident gets, in English; shown where a resident asks for English"
TITLE_OLD = "deprecated: the same as title_zh (older clients send and read this); send one of the two"
OFFER_STATUS = (
    "pending: waiting for the city's review of this revision; approved: residents see it while active, "
    "valid and in stock; rejected: the city refused this revision (rejection_reason says why); change "
    "what needs approval to resubmit it"
)
CURSOR = "opaque cursor: pass it back as `cursor` to get the next page; null on the last page"
VOUCHER_STATUS = (
    "held: coins held and stock reserved, waiting to be consumed; consumed: the merchant took the "
    "coins; cancelled: the resident cancelled it; lapsed: it expired unconsumed. Cancelled and lapsed "
    "vouchers returned their coins and stock"
)


class StrictBody(BaseModel):
    """A request body that refuses unknown fields."""

    model_config = ConfigDict(extra="forbid")


class _Titled(StrictBody):
    """``title`` is the old name of ``title_zh``: either may be sent, both only if equal; the body keeps
    both set to the same value."""

    @model_validator(mode="before")
    @classmethod
    def _one_chinese_title(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        both = data.get("title") is not None and data.get("title_zh") is not None
        if both and data["title"] != data["title_zh"]:
            raise ValueError("title is the old name of title_zh: send one, or both equal")
        for old, new in (("title", "title_zh"), ("title_zh", "title")):
            if old in data and new not in data:
                data = {**data, new: data[old]}
        return data


class OfferIn(_Titled):
    """A new offer: residents see it once the city has approved it. Give title_zh (or, as older clients
    do, title)."""

    title_zh: str = Field(min_length=1, max_length=120, description=TITLE_ZH)
    title: str | None = Field(default=None, min_length=1, max_length=120, description=TITLE_OLD)
    title_en: str | None = Field(default=None, min_length=1, max_length=120, description=TITLE_EN)
    description: str = Field(default="", max_length=2000, description="details and conditions")
    price: int = Field(gt=0, le=MAX_COINS, description="coins a voucher of this offer costs")
    stock_total: int = Field(ge=0, le=10**7, description="how many vouchers of this offer can be claimed")
    per_resident_limit: int = Field(
        default=1,
        ge=1,
        le=1000,
        description="most vouchers of this offer one resident may hold or have consumed",
    )
    valid_from: AwareDatetime = Field(
        description="when residents may start claiming (ISO 8601 timestamp with a UTC offset)"
    )
    valid_until: AwareDatetime = Field(
        description=(
            "when the offer ends, after valid_from (ISO 8601 timestamp with a UTC offset); no voucher "
            "of it is valid after this"
        )
    )
    active: bool = Field(default=True, description="false hides the offer from residents")


class OfferPatch(_Titled):
    """Changes to an offer: omitted fields keep their value and null is refused (except title_en, which
    null clears). A change of a title, description, price or validity bumps the revision and needs the
    city's approval again; for a rejected offer that is its resubmission."""

    title_zh: str | None = Field(default=None, min_length=1, max_length=120, description=TITLE_ZH)
    title: str | None = Field(default=None, min_length=1, max_length=120, description=TITLE_OLD)
    title_en: str | None = Field(default=None, min_length=1, max_length=120, description=TITLE_EN)
    description: str | None = Field(default=None, max_length=2000, description="details and conditions")
    price: int | None = Field(default=None, gt=0, le=MAX_COINS, description="coins a voucher costs")
    stock_total: int | None = Field(
        default=None,
        ge=0,
        le=10**7,
        description=(
            "how many vouchers can be claimed in total; not below those already claimed "
            "(409 stock_below_claimed)"
        ),
    )
    per_resident_limit: int | None = Field(
        default=None, ge=1, le=1000, description="most vouchers one resident may hold or have consumed"
    )
    valid_from: AwareDatetime | None = Field(
        default=None, description="when residents may start claiming (ISO 8601 timestamp with a UTC offset)"
    )
    valid_until: AwareDatetime | None = Field(
        default=None,
        description="when the offer ends, after valid_from (ISO 8601 timestamp with a UTC offset)",
    )
    active: bool | None = Field(default=None, description="false hides the offer from residents")


class OfferOut(BaseModel):
    """An offer of a merchant."""

    id: int = Field(description="the offer's id")
    merchant_id: int = Field(description="the id of the merchant making the offer")
    merchant: MerchantBrief = Field(description="the merchant making the offer: name, address, location")
    title_zh: str = Field(description=TITLE_ZH)
    title_en: str | None = Field(description="what the resident gets, in English; null if none was given")
    title: str = Field(description="deprecated: the same as title_zh, kept for older clients")
    description: str = Field(description="details and conditions; may be empty")
    price: int = Field(description="coins a voucher of this offer costs")
    stock_total: int = Field(description="how many vouchers of this offer can be claimed in total")
    stock_left: int = Field(
        description="vouchers still claimable: stock_total less outstanding (held) and consumed vouchers"
    )
    per_resident_limit: int = Field(
        description="most vouchers of this offer one resident may hold or have consumed"
    )
    valid_from: dt.datetime = Field(description="when residents may start claiming (ISO 8601 timestamp, UTC)")
    valid_until: dt.datetime = Field(description="when the offer ends (ISO 8601 timestamp, UTC)")
    active: bool = Field(description="false: hidden from residents")
    revision: int = Field(description="bumped when a title, description, price or validity change")
    status: OfferStatus = Field(description=OFFER_STATUS)
    approved: bool = Field(
        description=(
            "status is approved: the city approved this revision; residents see only approved, active, "
            "valid, in-stock offers"
        )
    )
    rejection_reason: str | None = Field(
        description="why the city rejected this revision, in its own words; null unless status is rejected"
    )
    rejected_at: dt.datetime | None = Field(
        description="when the city rejected this revision (ISO 8601 timestamp, UTC); null unless rejected"
    )


class OfferPage(BaseModel):
    """A page of offers, by ascending id."""

    items: list[OfferOut] = Field(description="the offers, by ascending id")
    next_cursor: str | None = Field(description=CURSOR)


class PayCodeOut(BaseModel):
    """A single-use pay-code for the resident to show at a till (as a QR code)."""

    paycode: str = Field(description="the code (starts with pc_); the first charge with it spends it")
    expires_at: dt.datetime = Field(
        description="when the code stops working, 60 seconds after issue by default (ISO 8601 timestamp, UTC)"
    )


class ChargeIn(StrictBody):
    """Coins to take from the resident whose pay-code the till scanned."""

    paycode: str = Field(min_length=1, max_length=100, description="the pay-code the resident showed")
    amount: int = Field(gt=0, le=MAX_COINS, description="coins to take")
    idempotency_key: str = Field(
        min_length=1,
        max_length=160,
        description=(
            "the merchant's key for this charge: a retry with the same key, pay-code and amount returns the "
            "first charge (replayed: true); with another pay-code or amount it is refused "
            "(idempotency_conflict)"
        ),
    )


class ChargeOut(BaseModel):
    """A charge as the merchant's till sees it: never the resident's or an account's id."""

    id: int = Field(
        description="the charge's id (refund it with POST /v1/merchant/charges/{charge_id}/refund)"
    )
    amount: int = Field(description="coins taken")
    transfer_id: int = Field(description="id of the ledger transfer that moved the coins")
    created_at: dt.datetime = Field(description="when the charge was made (ISO 8601 timestamp, UTC)")
    replayed: bool = Field(
        description=(
            "true when this request repeated an earlier charge's idempotency key: that charge is returned "
            "(status 200) and nothing is taken again; false for a new charge (status 201)"
        )
    )


class RefundOut(BaseModel):
    """A refunded charge: its coins went back to the resident's wallet."""

    charge_id: int = Field(description="the refunded charge's id")
    reversal_transfer_id: int = Field(
        description="id of the ledger transfer that returned the coins; the same for a repeated refund"
    )


class VoucherIn(StrictBody):
    """The offer to claim a voucher of."""

    offer_id: int = Field(ge=1, le=2**63 - 1, description="id of an approved, active, valid, in-stock offer")


class VoucherOut(BaseModel):
    """A voucher: an offer claimed by a resident, its coins held until a merchant consumes it."""

    id: int = Field(description="the voucher's id")
    code: str = Field(
        description=(
            "the code the resident shows; the merchant consumes it with "
            "POST /v1/merchant/vouchers/{code}/consume"
        )
    )
    offer_id: int = Field(description="the claimed offer's id")
    offer_title_zh: str = Field(description="the claimed offer's title in Chinese (as it is now)")
    offer_title_en: str | None = Field(description="the claimed offer's title in English; null if none")
    merchant_name: str = Field(description="the name of the merchant whose offer it is")
    price: int = Field(description="coins held for the voucher: the offer's price when claimed")
    status: VoucherStatus = Field(description=VOUCHER_STATUS)
    expires_at: dt.datetime = Field(
        description=(
            "when a held voucher lapses: the claim time plus the voucher lifetime (7 days by default), "
            "or the offer's valid_until if earlier (ISO 8601 timestamp, UTC)"
        )
    )
    created_at: dt.datetime = Field(description="when the voucher was claimed (ISO 8601 timestamp, UTC)")
    resolved_at: dt.datetime | None = Field(
        description="when it was consumed, cancelled or lapsed (ISO 8601 timestamp, UTC); null while held"
    )


class VoucherPage(BaseModel):
    """A page of the resident's vouchers, by ascending id."""

    items: list[VoucherOut] = Field(description="the vouchers, by ascending id")
    next_cursor: str | None = Field(description=CURSOR)


class ConsumedOut(BaseModel):
    """A consumed voucher and the transfer that paid the merchant."""

    voucher: VoucherOut = Field(description="the voucher, now consumed")
    transfer_id: int | None = Field(
        description=(
            "id of the ledger transfer that moved the held coins to the merchant; null for a free policy "
            "benefit's voucher, which held no coins"
        )
    )


class ApproveIn(StrictBody):
    """The city's approval of one revision of an offer."""

    revision: int = Field(
        ge=1,
        le=2**31 - 1,
        description="the revision the city reviewed; 409 offer_changed if the offer has changed since",
    )


class RejectIn(StrictBody):
    """The city's rejection of one revision of an offer, with the reason the merchant reads."""

    revision: int = Field(
        ge=1,
        le=2**31 - 1,
        description="the revision the city reviewed; 409 offer_changed if the offer has changed since",
    )
    reason: str = Field(
        min_length=1,
        max_length=500,
        description="why, in words the merchant can act on (shown to the merchant as written)",
    )


class StatementTotalsOut(BaseModel):
    """Counts and coins of a statement's days, summed."""

    charges: int = Field(description="pay-code charges received")
    charge_coins: int = Field(description="coins received by those charges")
    vouchers: int = Field(description="vouchers consumed")
    voucher_coins: int = Field(description="coins received by those vouchers")
    refunds: int = Field(description="refunds given back to residents")
    refund_coins: int = Field(description="coins those refunds returned")
    net_coins: int = Field(description="charge_coins + voucher_coins - refund_coins")
    net_yuan: str = Field(
        description="net_coins in yuan at yuan_per_coin, rounded half up to the fen (decimal string: 12.30)"
    )


class StatementLineOut(BaseModel):
    """One transfer on the merchant's accounts, with the balance after it."""

    transfer_id: int = Field(description="id of the ledger transfer")
    at: dt.datetime = Field(description="when it was made (ISO 8601 timestamp, UTC)")
    date: dt.date = Field(description="its local day (YYYY-MM-DD, the city's time zone)")
    kind: Literal["charge", "voucher", "refund", "other"] = Field(
        description=(
            "charge: coins taken with a pay-code; voucher: a consumed voucher; refund: coins returned to a "
            "resident; other: any other transfer into the merchant's accounts"
        )
    )
    coins: int = Field(description="coins in (positive) or out (negative)")
    balance: int = Field(
        description="the merchant's coins after this line: opening_balance plus the lines so far"
    )
    yuan: str = Field(
        description="coins in yuan at yuan_per_coin, rounded half up to the fen (decimal string)"
    )


class StatementDayOut(StatementTotalsOut):
    """One local day of a statement; a day without any transfer has zeros."""

    date: dt.date = Field(description="the local day (YYYY-MM-DD, the city's time zone)")


# "from" is a Python keyword: the range's fields are declared with create_model under their own names,
# since the document names response properties by field name (an alias would not show).
_StatementRange = create_model(
    "_StatementRange",
    __base__=BaseModel,
    __doc__="The days a statement covers.",
    **{
        "from": (dt.date, Field(description="the statement's first day (a local date, YYYY-MM-DD)")),
        "to": (dt.date, Field(description="the statement's last day, included (a local date, YYYY-MM-DD)")),
    },  # type: ignore[call-overload]
)


class StatementOut(_StatementRange):
    """Every transfer on the merchant's accounts in the period and the coins per local day, from the
    ledger; opening_balance plus the lines' coins is closing_balance."""

    merchant_id: int = Field(description="the merchant this statement is for (the caller)")
    yuan_per_coin: str = Field(
        description="the city's rate: yuan paid per coin (setting redeem.yuan_per_coin; a decimal string)"
    )
    opening_balance: int = Field(description="the merchant's coins before the first day")
    opening_yuan: str = Field(description="opening_balance in yuan, rounded half up to the fen")
    closing_balance: int = Field(
        description="the merchant's coins after the last day: opening_balance + totals.net_coins"
    )
    closing_yuan: str = Field(
        description="closing_balance in yuan, rounded half up to the fen (not the sum of rounded lines)"
    )
    totals: StatementTotalsOut = Field(description="the days' figures summed")
    days: list[StatementDayOut] = Field(description="every day of the range in order, zeros included")
    lines: list[StatementLineOut] = Field(description="every transfer of the period, in time order")
