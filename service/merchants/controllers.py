"""HTTP routes: merchants' offers, charges, voucher consumption and statements; residents' offers, pay-codes
and vouchers; the city's offer approval."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import Body, Parameter, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.base import utcnow
from service.errors import Invalid
from service.http.cache import CachePolicy, cacheable, cached_response, json_body, response_cache
from service.http.csv_response import attachment, csv_alternative, csv_response, wants_csv
from service.http.dates import query_date
from service.http.pagination import after_id, next_cursor
from service.identity.guards import provide_principal, requires
from service.identity.principal import Principal, Role
from service.identity.service import active_profile, active_resident_id
from service.merchants import offers, paycodes, vouchers
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
    StatementOut,
    VoucherIn,
    VoucherOut,
    VoucherPage,
)
from service.merchants.statements import statement
from service.ratelimit import limit

STATEMENT_FROM = "the statement's first day, a local date (YYYY-MM-DD)"
STATEMENT_TO = "the statement's last day, included (YYYY-MM-DD; at most 366 days after from)"
STATEMENT_CSV = (
    "CSV (UTF-8 with a byte-order mark): a header row date, charges, charge_coins, vouchers, voucher_coins, "
    "refunds, refund_coins, net_coins; one row per day; then a row whose date is total"
)

ID = Parameter(ge=1, le=2**63 - 1)
# The list is the same for every resident (auth decides only whether it is shown), so one cached page
# serves all; private, since it is behind a resident's token. Stock moves with every claim: a claim is
# checked against the database, so a few seconds' stale stock only shows an offer that may be sold out.
OFFERS_CACHE = CachePolicy("offers", "private, max-age=5", vary="Authorization")
PAGE_MAX = 200


def offer_out(offer: Offer) -> OfferOut:
    return OfferOut(
        id=offer.id,
        merchant_id=offer.merchant_id,
        title=offer.title,
        description=offer.description,
        price=offer.price,
        stock_total=offer.stock_total,
        stock_left=offer.stock_left,
        per_resident_limit=offer.per_resident_limit,
        valid_from=offer.valid_from,
        valid_until=offer.valid_until,
        active=offer.active,
        revision=offer.revision,
        approved=offer.approved_at is not None,
    )


def voucher_out(voucher: Voucher) -> VoucherOut:
    return VoucherOut(
        id=voucher.id,
        code=voucher.code,
        offer_id=voucher.offer_id,
        price=voucher.price,
        status=voucher.status,
        expires_at=voucher.expires_at,
        created_at=voucher.created_at,
        resolved_at=voucher.resolved_at,
    )


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
        offer = await offers.create_offer(db_session, int(principal.subject), data.model_dump(), utcnow())
        return offer_out(offer)

    @get("/offers", operation_id="merchant_offers_list", summary="The merchant's offers")
    async def list_offers(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MAX)] = 50,
    ) -> OfferPage:
        rows = list(await offers.offers_of(db_session, int(principal.subject), _after(cursor), limit + 1))
        return OfferPage(items=[offer_out(o) for o in rows[:limit]], next_cursor=next_cursor(rows, limit))

    @patch("/offers/{offer_id:int}", operation_id="merchant_offers_update", summary="Change an offer")
    async def update_offer(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        offer_id: Annotated[int, ID],
        data: Annotated[OfferPatch, Body()],
    ) -> OfferOut:
        changes = data.model_dump(exclude_unset=True)
        if any(v is None for v in changes.values()):
            raise Invalid("fields cannot be set to null", code="null_field")
        offer = await offers.update_offer(db_session, int(principal.subject), offer_id, changes, utcnow())
        response_cache(request.app).invalidate_on_commit(db_session, OFFERS_CACHE.namespace)
        return offer_out(offer)

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
        return ConsumedOut(voucher=voucher_out(voucher), transfer_id=transfer.id)

    @get(
        "/statements",
        operation_id="merchant_statements",
        summary="Coins received per day (JSON or CSV)",
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
    ) -> Response[StatementOut]:
        start, end = query_date(from_, "from"), query_date(to, "to")
        if end < start or (end - start).days > 366:
            raise Invalid("give a range of at most 367 days with from <= to", code="invalid_range")
        result = await statement(db_session, int(principal.subject), start, end, _settings(request).zone)
        if format_ == "csv" or wants_csv(request):
            return csv_response(result.as_csv(), f"statement-{start}-{end}.csv")
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
        principal: NamedDependency[Principal],
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MAX)] = 50,
    ) -> Response[OfferPage]:
        database = request.app.state.services.database
        # A deleted account is refused, cached page or not: one statement (on PostgreSQL one autocommitted
        # round trip), in a session closed before any build opens its own, since on SQLite each takes the
        # write lock and a request holding one while waiting for the other would deadlock.
        async with database.sessions() as session:
            await active_profile(session, principal.resident_id)
        after = _after(cursor)

        async def build() -> bytes:
            # Its own session: the page is shared by every resident's request, not tied to this one's.
            async with database.session() as session:
                rows = list(await offers.offers_on_sale(session, utcnow(), after, limit + 1))
                page = OfferPage(
                    items=[offer_out(o) for o in rows[:limit]], next_cursor=next_cursor(rows, limit)
                )
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
        return voucher_out(
            await vouchers.claim(
                db_session, _settings(request), principal.resident_id, data.offer_id, utcnow()
            )
        )

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
        return VoucherPage(items=[voucher_out(v) for v in rows[:limit]], next_cursor=next_cursor(rows, limit))

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
        return voucher_out(
            await vouchers.cancel(
                db_session,
                _settings(request),
                await active_resident_id(db_session, principal),
                voucher_id,
                utcnow(),
            )
        )


class CityOfferController(Controller):
    path = "/v1/city/offers"
    tags = ["city"]
    guards = requires(Role.CITY)
    dependencies = {"principal": Provide(provide_principal)}

    @get("", operation_id="city_offers_pending", summary="Offers awaiting approval")
    async def pending(
        self,
        db_session: NamedDependency[AsyncSession],
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MAX)] = 50,
    ) -> OfferPage:
        rows = list(await offers.offers_awaiting_approval(db_session, _after(cursor), limit + 1))
        return OfferPage(items=[offer_out(o) for o in rows[:limit]], next_cursor=next_cursor(rows, limit))

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
        return offer_out(offer)
