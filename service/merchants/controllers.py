"""HTTP routes: merchants' offers, charges, voucher consumption and statements; residents' offers, pay-codes
and vouchers; the city's offer approval."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.params import Body, Parameter, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.base import utcnow
from service.errors import Invalid
from service.http.cache import CachePolicy, cacheable, cached_response, json_body, response_cache
from service.http.csv_response import attachment, csv_alternative, csv_response, wants_csv
from service.http.dates import query_date
from service.http.i18n import language_of
from service.http.pagination import after_id, next_cursor
from service.identity.guards import authenticate, provide_principal, requires
from service.identity.principal import Principal, Role
from service.identity.service import active_profile, active_resident_id
from service.merchants import offers, paycodes, profiles, vouchers
from service.merchants.merchant_schemas import MerchantBrief, MerchantPage, MerchantProfilePatch
from service.merchants.models import Offer, Voucher
from service.merchants.schemas import (
    ApproveIn,
    ChargeIn,
    ChargeOut,
    ConsumedOut,
    OfferIn,
    OfferOut,
    OfferPage,
    OfferPatch,
    PayCodeOut,
    RefundOut,
    RejectIn,
    StatementOut,
    VoucherIn,
    VoucherOut,
    VoucherPage,
)
from service.merchants.statements import statement
from service.merchants.views import listed_out, merchant_brief, offer_out, voucher_out
from service.ratelimit import limit

STATEMENT_FROM = "the statement's first day, a local date (YYYY-MM-DD)"
STATEMENT_TO = "the statement's last day, included (YYYY-MM-DD; at most 366 days after from)"
STATEMENT_CSV = (
    "CSV (UTF-8 with a byte-order mark). rows=lines (default): a header row time, date, kind, transfer_id, "
    "coins, balance, yuan, balance_yuan; an opening row, a row per transfer, a closing row. rows=days: "
    "a header row date, charges, charge_coins, vouchers, voucher_coins, refunds, refund_coins, net_coins, "
    "net_yuan; a row per day, then a row whose date is total. Headers and kinds are Chinese with lang=zh "
    "(or an Accept-Language preferring zh when lang is not given)"
)
STATEMENT_LANG = (
    "language of the CSV's headers and kinds: zh or en; without it, Accept-Language decides when sent, "
    "else en (the column names scripts read)"
)

ID = Parameter(ge=1, le=2**63 - 1)
# The list is the same for every resident (auth decides only whether it is shown), so one cached page
# serves all; private, since it is behind a resident's token. Stock moves with every claim: a claim is
# checked against the database, so a few seconds' stale stock only shows an offer that may be sold out.
OFFERS_CACHE = CachePolicy("offers", "private, max-age=5", vary="Authorization")
PAGE_MAX = 200


async def _offers_out(session: AsyncSession, rows: list[Offer]) -> list[OfferOut]:
    merchants = await profiles.merchants_by_id(session, (o.merchant_id for o in rows))
    return [offer_out(o, merchants[o.merchant_id]) for o in rows]


async def _vouchers_out(session: AsyncSession, rows: list[Voucher]) -> list[VoucherOut]:
    titles = await profiles.offer_titles(session, (v.offer_id for v in rows))
    return [voucher_out(v, titles) for v in rows]


def _offer_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The body's titles as the offer's columns: title_zh (or its old name title) is the column title."""
    fields = dict(fields)
    if "title_zh" in fields:
        fields["title"] = fields.pop("title_zh")
    return fields


def _settings(request: Request[Any, Any, Any]) -> Any:
    return request.app.state.services.settings


def _after(cursor: str | None) -> int:
    return 0 if cursor is None else after_id(cursor)


class MerchantController(Controller):
    path = "/v1/merchant"
    tags = ["merchant"]
    guards = requires(Role.MERCHANT)
    dependencies = {"principal": Provide(provide_principal)}

    @post("/offers", operation_id="merchant_offers_create", summary="Create an offer (awaits city approval)")
    async def create_offer(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: Annotated[OfferIn, Body()],
    ) -> OfferOut:
        fields = _offer_fields(data.model_dump())
        offer = await offers.create_offer(db_session, int(principal.subject), fields, utcnow())
        return (await _offers_out(db_session, [offer]))[0]

    @get("/offers", operation_id="merchant_offers_list", summary="The merchant's offers")
    async def list_offers(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MAX)] = 50,
    ) -> OfferPage:
        rows = list(await offers.offers_of(db_session, int(principal.subject), _after(cursor), limit + 1))
        items = await _offers_out(db_session, rows[:limit])
        return OfferPage(items=items, next_cursor=next_cursor(rows, limit))

    @patch("/offers/{offer_id:int}", operation_id="merchant_offers_update", summary="Change an offer")
    async def update_offer(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        offer_id: Annotated[int, ID],
        data: Annotated[OfferPatch, Body()],
    ) -> OfferOut:
        changes = _offer_fields(data.model_dump(exclude_unset=True))
        if any(v is None for k, v in changes.items() if k != "title_en"):
            raise Invalid("fields cannot be set to null (except title_en)", code="null_field")
        offer = await offers.update_offer(db_session, int(principal.subject), offer_id, changes, utcnow())
        response_cache(request.app).invalidate_on_commit(db_session, OFFERS_CACHE.namespace)
        return (await _offers_out(db_session, [offer]))[0]

    @get(
        "/profile", operation_id="merchant_profile_get", summary="The merchant's profile as residents see it"
    )
    async def profile(
        self, db_session: NamedDependency[AsyncSession], principal: NamedDependency[Principal]
    ) -> MerchantBrief:
        return merchant_brief(await offers.existing_merchant(db_session, int(principal.subject)))

    @patch(
        "/profile",
        operation_id="merchant_profile_update",
        summary="Change the address, location, category or image URL residents see",
    )
    async def update_profile(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: Annotated[MerchantProfilePatch, Body()],
    ) -> MerchantBrief:
        changes = data.model_dump(exclude_unset=True)
        if "location" in changes:
            where = changes.pop("location") or {"lat": None, "lng": None}
            changes |= {"latitude": where["lat"], "longitude": where["lng"]}
        merchant_id = int(principal.subject)
        merchant = await profiles.update_profile(db_session, merchant_id, changes, f"merchant:{merchant_id}")
        response_cache(request.app).invalidate_on_commit(db_session, OFFERS_CACHE.namespace)
        return merchant_brief(merchant)

    @post("/charges", operation_id="merchant_charges_create", summary="Take coins with a resident's pay-code")
    async def charge(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: Annotated[ChargeIn, Body()],
    ) -> Response[ChargeOut]:
        await limit(request, "charges", principal.subject)
        row, created = await paycodes.charge(
            db_session,
            _settings(request),
            int(principal.subject),
            data.paycode,
            data.amount,
            data.idempotency_key,
            utcnow(),
        )
        body = ChargeOut(
            id=row.id,
            amount=row.amount,
            transfer_id=row.transfer_id,
            created_at=row.created_at,
            replayed=not created,
        )
        return Response(body, status_code=201 if created else 200)

    @post(
        "/charges/{charge_id:int}/refund",
        operation_id="merchant_charges_refund",
        status_code=200,
        summary="Refund a charge",
    )
    async def refund(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        charge_id: Annotated[int, ID],
    ) -> RefundOut:
        reversal = await paycodes.refund(
            db_session, _settings(request), int(principal.subject), charge_id, utcnow()
        )
        return RefundOut(charge_id=charge_id, reversal_transfer_id=reversal)

    @post(
        "/vouchers/{code:str}/consume",
        operation_id="merchant_vouchers_consume",
        status_code=200,
        summary="Consume a voucher",
    )
    async def consume(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        code: Annotated[str, Parameter(max_length=32)],
    ) -> ConsumedOut:
        voucher, transfer = await vouchers.consume(
            db_session, _settings(request), int(principal.subject), code, utcnow()
        )
        transfer_id = transfer.id if transfer is not None else None  # a free benefit moves no coins
        return ConsumedOut(voucher=(await _vouchers_out(db_session, [voucher]))[0], transfer_id=transfer_id)

    @get(
        "/statements",
        operation_id="merchant_statements",
        summary="Statement: every transfer, per-day totals, opening and closing balances, in coins and yuan",
        description="Send `format=csv` or `Accept: text/csv` for CSV.",
        operation_class=csv_alternative(STATEMENT_CSV),
        response_headers=[attachment("statement-<from>-<to>.csv")],
    )
    async def statements(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        from_: Annotated[str, QueryParameter(name="from", max_length=10, description=STATEMENT_FROM)],
        to: Annotated[str, QueryParameter(max_length=10, description=STATEMENT_TO)],
        format_: Annotated[
            Literal["json", "csv"] | None, QueryParameter(name="format", description="json (default) or csv")
        ] = None,
        rows: Annotated[
            Literal["lines", "days"], QueryParameter(description="CSV only: a row per transfer, or per day")
        ] = "lines",
        lang: Annotated[Literal["zh", "en"] | None, QueryParameter(description=STATEMENT_LANG)] = None,
    ) -> Response[StatementOut]:
        start, end = query_date(from_, "from"), query_date(to, "to")
        if end < start or (end - start).days > 366:
            raise Invalid("give a range of at most 367 days with from <= to", code="invalid_range")
        settings = _settings(request)
        result = await statement(
            db_session, int(principal.subject), start, end, settings.zone, settings.redeem.yuan_per_coin
        )
        if format_ == "csv" or wants_csv(request):
            if lang is None and "accept-language" in request.headers:
                lang = language_of(request).value
            zh = lang == "zh"
            body = result.lines_csv(zh) if rows == "lines" else result.days_csv(zh)
            return csv_response(body, f"statement-{start}-{end}.csv")
        return Response(result.as_json())


class ResidentOfferController(Controller):
    path = "/v1"
    tags = ["resident"]
    guards = requires(Role.RESIDENT)
    dependencies = {"principal": Provide(provide_principal)}

    @get(
        "/offers",
        operation_id="offers_list",
        summary="Approved, valid, in-stock offers",
        operation_class=cacheable(OFFERS_CACHE),
    )
    async def list_offers(
        self,
        request: Request[Any, Any, Any],
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MAX)] = 50,
    ) -> Response[OfferPage]:
        # The guard's principal from the request, as /v1/me/wallet takes it: no dependency to resolve.
        principal = authenticate(request)
        database = request.app.state.services.database
        # A deleted account is refused, cached page or not: one statement read through the database, not
        # a session (on PostgreSQL batched with other requests' on the driver pool; on SQLite a short
        # session of its own, closed before any build opens its own, since each takes the write lock and
        # a request holding one while waiting for the other would deadlock).
        await active_profile(database, principal.resident_id)
        after = _after(cursor)

        async def build() -> bytes:
            # Its own session: the page is shared by every resident's request, not tied to this one's.
            async with database.session() as session:
                rows = list(await offers.offers_on_sale(session, utcnow(), after, limit + 1))
                items = await _offers_out(session, rows[:limit])
                page = OfferPage(items=items, next_cursor=next_cursor(rows, limit))
            return json_body(page)

        return await cached_response(request, OFFERS_CACHE, (str(after), str(limit)), build)

    @post(
        "/me/paycodes", operation_id="me_paycodes_create", summary="A single-use pay-code (show it as a QR)"
    )
    async def paycode(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
    ) -> PayCodeOut:
        await limit(request, "paycodes", principal.subject)
        issued = await paycodes.issue_paycode(db_session, _settings(request), principal.resident_id, utcnow())
        return PayCodeOut(paycode=issued.code, expires_at=issued.expires_at)

    @post(
        "/me/vouchers", operation_id="me_vouchers_claim", summary="Claim an offer: coins held, stock reserved"
    )
    async def claim(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: Annotated[VoucherIn, Body()],
    ) -> VoucherOut:
        voucher = await vouchers.claim(
            db_session, _settings(request), principal.resident_id, data.offer_id, utcnow()
        )
        return (await _vouchers_out(db_session, [voucher]))[0]

    @get("/me/vouchers", operation_id="me_vouchers_list", summary="The resident's vouchers")
    async def list_vouchers(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MAX)] = 50,
    ) -> VoucherPage:
        rows = list(
            await vouchers.vouchers_of(
                db_session, await active_resident_id(db_session, principal), _after(cursor), limit + 1
            )
        )
        items = await _vouchers_out(db_session, rows[:limit])
        return VoucherPage(items=items, next_cursor=next_cursor(rows, limit))

    @post(
        "/me/vouchers/{voucher_id:int}/cancel",
        operation_id="me_vouchers_cancel",
        status_code=200,
        summary="Cancel an unconsumed voucher",
    )
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        voucher_id: Annotated[int, ID],
    ) -> VoucherOut:
        voucher = await vouchers.cancel(
            db_session,
            _settings(request),
            await active_resident_id(db_session, principal),
            voucher_id,
            utcnow(),
        )
        return (await _vouchers_out(db_session, [voucher]))[0]


class CityOfferController(Controller):
    path = "/v1/city/offers"
    tags = ["city"]
    guards = requires(Role.CITY)
    dependencies = {"principal": Provide(provide_principal)}

    @get("", operation_id="city_offers_pending", summary="Offers awaiting review (status pending)")
    async def pending(
        self,
        db_session: NamedDependency[AsyncSession],
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MAX)] = 50,
    ) -> OfferPage:
        rows = list(await offers.offers_awaiting_approval(db_session, _after(cursor), limit + 1))
        items = await _offers_out(db_session, rows[:limit])
        return OfferPage(items=items, next_cursor=next_cursor(rows, limit))

    @post(
        "/{offer_id:int}/approve",
        operation_id="city_offers_approve",
        status_code=200,
        summary="Approve an offer",
    )
    async def approve(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        offer_id: Annotated[int, ID],
        data: Annotated[ApproveIn, Body()],
    ) -> OfferOut:
        actor = f"city:{principal.subject}"
        offer = await offers.approve_offer(db_session, offer_id, data.revision, actor, utcnow())
        response_cache(request.app).invalidate_on_commit(db_session, OFFERS_CACHE.namespace)
        return (await _offers_out(db_session, [offer]))[0]

    @post(
        "/{offer_id:int}/reject",
        operation_id="city_offers_reject",
        status_code=200,
        summary="Reject a pending offer with a reason the merchant reads",
    )
    async def reject(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        offer_id: Annotated[int, ID],
        data: Annotated[RejectIn, Body()],
    ) -> OfferOut:
        actor = f"city:{principal.subject}"
        offer = await offers.reject_offer(db_session, offer_id, data.revision, data.reason, actor, utcnow())
        return (await _offers_out(db_session, [offer]))[0]


class MerchantDirectoryController(Controller):
    """Public: what a resident (or anyone) finds before signing in."""

    path = "/v1/merchants"
    tags = ["public"]

    @get(
        "",
        operation_id="merchants_list",
        summary="Merchants with offers on sale: name, address, location, category, picture, open offers",
        description=(
            "Public, no token. Lists only merchants with at least one offer on sale now (approved, active, "
            "valid, in stock), by ascending id; each with up to 20 of those offers."
        ),
        cache_control=CacheControlHeader(public=True, max_age=30),
    )
    async def list_merchants(
        self,
        db_session: NamedDependency[AsyncSession],
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MAX)] = 50,
    ) -> MerchantPage:
        rows = await profiles.directory(db_session, utcnow(), _after(cursor), limit + 1)
        return MerchantPage(items=[listed_out(r) for r in rows[:limit]], next_cursor=next_cursor(rows, limit))
