"""HTTP routes: the city's policy benefits (the city creates and edits them; residents list and claim)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import Body, Parameter, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.achievements.totals import Totals
from service.benefits import service
from service.benefits.eligibility import unmet
from service.benefits.schemas import (
    BenefitIn,
    BenefitOut,
    BenefitPage,
    BenefitPatch,
    ResidentBenefitOut,
    ResidentBenefitPage,
    UnmetOut,
)
from service.db.base import utcnow
from service.errors import Invalid
from service.http.i18n import LANGUAGE, Lang, language_of
from service.http.pagination import after_id, next_cursor
from service.identity.guards import provide_principal, requires
from service.identity.principal import Principal, Role
from service.merchants import profiles
from service.merchants.models import Offer
from service.merchants.schemas import VoucherOut
from service.merchants.views import voucher_out

ID = Parameter(ge=1, le=2**63 - 1, description="the benefit's id")
PAGE_MAX = 200
CLEARABLE = {"title_en", "min_level", "min_lifetime_grams", "family"}


def benefit_out(offer: Offer) -> BenefitOut:
    return BenefitOut(
        id=offer.id,
        title_zh=offer.title,
        title_en=offer.title_en,
        description=offer.description,
        price=offer.price,
        free=offer.price == 0,
        stock_total=offer.stock_total,
        stock_left=offer.stock_left,
        per_resident_limit=offer.per_resident_limit,
        valid_from=offer.valid_from,
        valid_until=offer.valid_until,
        active=offer.active,
        revision=offer.revision,
        min_level=offer.min_level,
        min_lifetime_grams=offer.min_lifetime_grams,
        family=offer.family,  # type: ignore[arg-type]
    )


def resident_benefit_out(offer: Offer, totals: Totals, lang: Lang) -> ResidentBenefitOut:
    missing = unmet(service.rules_of(offer), totals)
    return ResidentBenefitOut(
        **benefit_out(offer).model_dump(),
        eligible=not missing,
        unmet=[UnmetOut(code=m.code, detail=lang.pick(m.zh, m.en)) for m in missing],  # type: ignore[arg-type]
    )


def _fields(data: BenefitIn | BenefitPatch, *, patch: bool) -> dict[str, Any]:
    fields = data.model_dump(exclude_unset=patch)
    if patch and any(v is None for k, v in fields.items() if k not in CLEARABLE):
        raise Invalid("fields cannot be set to null (except title_en and the rules)", code="null_field")
    if "title_zh" in fields:
        fields["title"] = fields.pop("title_zh")
    return fields


def _after(cursor: str | None) -> int:
    return 0 if cursor is None else after_id(cursor)


class CityBenefitController(Controller):
    path = "/v1/city/benefits"
    tags = ["city"]
    guards = requires(Role.CITY)
    dependencies = {"principal": Provide(provide_principal)}

    @post("", operation_id="city_benefits_create", summary="Publish a policy benefit (approved at once)")
    async def create(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: Annotated[BenefitIn, Body()],
    ) -> BenefitOut:
        fields = _fields(data, patch=False)
        offer = await service.create_benefit(db_session, fields, f"city:{principal.subject}", utcnow())
        return benefit_out(offer)

    @get("", operation_id="city_benefits_list", summary="Every policy benefit of the city, on sale or not")
    async def list_benefits(
        self,
        db_session: NamedDependency[AsyncSession],
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MAX)] = 50,
    ) -> BenefitPage:
        rows = list(await service.all_benefits(db_session, _after(cursor), limit + 1))
        return BenefitPage(items=[benefit_out(o) for o in rows[:limit]], next_cursor=next_cursor(rows, limit))

    @patch("/{benefit_id:int}", operation_id="city_benefits_update", summary="Change a policy benefit")
    async def update(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        benefit_id: Annotated[int, ID],
        data: Annotated[BenefitPatch, Body()],
    ) -> BenefitOut:
        changes = _fields(data, patch=True)
        offer = await service.update_benefit(
            db_session, benefit_id, changes, f"city:{principal.subject}", utcnow()
        )
        return benefit_out(offer)


class ResidentBenefitController(Controller):
    path = "/v1/benefits"
    tags = ["resident"]
    guards = requires(Role.RESIDENT)
    dependencies = {"principal": Provide(provide_principal)}

    @get(
        "",
        operation_id="benefits_list",
        summary="Policy benefits on offer, each with whether the resident may claim it and why not",
        middleware=LANGUAGE,
    )
    async def list_benefits(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MAX)] = 50,
    ) -> ResidentBenefitPage:
        found, totals = await service.benefits_on_sale(
            db_session, principal.resident_id, utcnow(), _after(cursor), limit + 1
        )
        rows, lang = list(found), language_of(request)
        items = [resident_benefit_out(o, totals, lang) for o in rows[:limit]]
        return ResidentBenefitPage(items=items, next_cursor=next_cursor(rows, limit))

    @post(
        "/{benefit_id:int}/claim",
        operation_id="benefits_claim",
        summary="Claim a benefit: a voucher (coins held unless free); 403 not_eligible if a rule fails",
    )
    async def claim(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        benefit_id: Annotated[int, ID],
    ) -> VoucherOut:
        settings = request.app.state.services.settings
        voucher = await service.claim(db_session, settings, principal.resident_id, benefit_id, utcnow())
        titles = await profiles.offer_titles(db_session, [voucher.offer_id])
        return voucher_out(voucher, titles)
