"""Partner routes (signed with Standard Webhooks) and the resident's bindings."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import Body, Parameter, QueryParameter
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.assets import record_partner_asset
from service.city.districts import checked
from service.db.base import utcnow
from service.errors import DomainError, Forbidden, Invalid, NotFound, Unauthorized, validation_errors
from service.http.pagination import after_id, next_cursor
from service.identity.guards import provide_principal, requires
from service.identity.principal import Principal, Role
from service.identity.service import active_resident_id
from service.identity.tokens import hash_token
from service.observability.context import mark_caller
from service.partners.auth import authenticate
from service.partners.bindings import bind, create_link_token, unbind
from service.partners.crypto import SecretBox
from service.partners.deliveries import Claim, answer, claim, fingerprint
from service.partners.ingest import Ingest, subject_hash
from service.partners.models import Binding, Partner, PartnerEvent
from service.partners.ocpi import envelope, reverse_credit_cdr, to_event
from service.partners.repository import PartnerRepository
from service.partners.schemas import (
    AssetRecordIn,
    AssetRecordOut,
    BindIn,
    BindingOut,
    EventPage,
    EventStatusOut,
    LinkTokenIn,
    LinkTokenOut,
)

PARTNER_ID = Parameter(ge=1, le=2**63 - 1)
PAGE_MAX = 500


def secret_box(request: Request[Any, Any, Any]) -> SecretBox:
    key = request.app.state.services.settings.auth.secrets_key
    return SecretBox(key.get_secret_value())


async def signed_partner(
    request: Request[Any, Any, Any], db_session: AsyncSession, partner_id: int
) -> tuple[Partner, Claim]:
    """The signing partner, and its webhook-id claimed for exactly this request (deliveries.py)."""
    settings = request.app.state.services.settings
    body, now = await request.body(), utcnow()
    partner, webhook_id = await authenticate(
        PartnerRepository(db_session),
        secret_box(request),
        partner_id,
        request.headers,
        body,
        now,
        settings.partners.timestamp_tolerance_seconds,
    )
    mark_caller(request.scope, "partner")  # the access line's caller kind
    request_print = fingerprint(
        request.method, request.url.path, request.scope.get("query_string", b""), body
    )
    return partner, await claim(db_session, partner.id, webhook_id, request.method, request_print, now)


async def answered(session: AsyncSession, signed: Claim, body: Any, status: int = 200) -> Response[Any]:
    """Store the answer to the signed request (a retry of it gets this again), and send it."""
    await answer(session, signed.partner_id, signed.webhook_id, status, body)
    return Response(body, status_code=status)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError("the request body is not valid JSON", code="malformed_json") from exc


def _status(event: PartnerEvent) -> EventStatusOut:
    return EventStatusOut(
        id=event.event_id,
        type=event.type,
        status=event.status,
        action_id=event.action_id,
        grams=event.grams,
        coins=event.coins,
        reasons=event.reasons,
        received_at=event.received_at,
        processed_at=event.processed_at,
    )


class PartnerController(Controller):
    path = "/v1/partners/{partner_id:int}"
    tags = ["partners"]

    @post(
        "/events",
        operation_id="partner_events_submit",
        status_code=202,
        summary="Submit a signed event batch",
    )
    async def submit(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        partner_id: Annotated[int, PARTNER_ID],
    ) -> Response[dict[str, Any]]:
        partner, signed = await signed_partner(request, db_session, partner_id)
        if signed.replay is not None:
            return Response(signed.replay.response, status_code=signed.replay.status_code)
        services = request.app.state.services
        ingest = Ingest(
            db_session, services.registry, services.hash_key, services.settings.partners.batch_size
        )
        body = await ingest.accept(partner, signed.webhook_id, _json(await request.body()), utcnow())
        return Response(body, status_code=202)

    @get("/events/{event_id:str}", operation_id="partner_events_get", summary="One event's processing status")
    async def status(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        partner_id: Annotated[int, PARTNER_ID],
        event_id: Annotated[str, Parameter(min_length=1, max_length=128)],
    ) -> EventStatusOut:
        partner, signed = await signed_partner(request, db_session, partner_id)
        event = await PartnerRepository(db_session).event(partner.id, event_id)
        if event is None:
            raise NotFound(f"no event {event_id!r}", code="event_not_found")
        await answer(db_session, partner.id, signed.webhook_id, 200, {})  # a GET is valid once: no replay
        return _status(event)

    @get("/events", operation_id="partner_events_list", summary="Events, filtered, cursor-paginated")
    async def list_events(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        partner_id: Annotated[int, PARTNER_ID],
        status: Annotated[str | None, QueryParameter(max_length=16)] = None,
        type_: Annotated[str | None, QueryParameter(name="type", max_length=64)] = None,
        since: Annotated[str | None, QueryParameter(max_length=40)] = None,
        until: Annotated[str | None, QueryParameter(max_length=40)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MAX)] = 100,
    ) -> EventPage:
        partner, signed = await signed_partner(request, db_session, partner_id)
        await answer(db_session, partner.id, signed.webhook_id, 200, {})  # a GET is valid once: no replay
        rows = await PartnerRepository(db_session).list_events(
            partner.id,
            status=status,
            type_=type_,
            since=_when(since, "since"),
            until=_when(until, "until"),
            after_id=_cursor(cursor),
            limit=limit + 1,
        )
        items = [_status(e) for e in rows[:limit]]
        return EventPage(items=items, next_cursor=next_cursor(rows, limit))

    @post(
        "/link-tokens", operation_id="partner_link_tokens_create", summary="A token the user redeems to bind"
    )
    async def link_token(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        partner_id: Annotated[int, PARTNER_ID],
    ) -> Response[LinkTokenOut]:
        partner, signed = await signed_partner(request, db_session, partner_id)
        if signed.replay is not None:  # the same request again: the same token, not a second one
            return Response(signed.replay.response, status_code=signed.replay.status_code)
        try:
            data = LinkTokenIn.model_validate(_json(await request.body()))
        except ValidationError as exc:
            raise Invalid(
                'body must be {"subject": "..."}',
                code="validation_error",
                extra={"errors": validation_errors(exc)},
            ) from exc
        services = request.app.state.services
        district = checked(services.settings.city, data.district)
        token, expires = await create_link_token(
            db_session,
            partner,
            data.subject,
            services.hash_key,
            services.settings.partners,
            utcnow(),
            district,
        )
        body = LinkTokenOut(token=token, expires_at=expires).model_dump(mode="json")
        return await answered(db_session, signed, body, 201)

    @put(
        "/assets/{kind:str}/{ref:str}",
        operation_id="partner_assets_record",
        summary="Record an asset from the partner's own register (e.g. an installer's PV system)",
    )
    async def record_asset(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        partner_id: Annotated[int, PARTNER_ID],
        kind: Annotated[str, Parameter(min_length=2, max_length=32, pattern=r"^[a-z][a-z0-9_]+$")],
        ref: Annotated[str, Parameter(min_length=1, max_length=64)],
    ) -> Response[AssetRecordOut]:
        partner, signed = await signed_partner(request, db_session, partner_id)
        if signed.replay is not None:
            return Response(signed.replay.response, status_code=signed.replay.status_code)
        try:
            data = AssetRecordIn.model_validate(_json(await request.body()))
        except ValidationError as exc:
            raise Invalid(
                'body must be {"subject": "...", "attributes": {...}}',
                code="validation_error",
                extra={"errors": validation_errors(exc)},
            ) from exc
        services = request.app.state.services
        _check_asset_grant(services.registry, partner, kind)
        owner = subject_hash(services.hash_key, partner.id, data.subject)
        repo = PartnerRepository(db_session)
        binding = await repo.active_binding(partner.id, owner)
        resident = binding.resident_id if binding is not None else None
        asset = await record_partner_asset(
            db_session, services.registry, partner.id, owner, resident, kind, ref, data.attributes
        )
        out = AssetRecordOut(
            kind=asset.kind,
            ref=asset.ref,
            attributes=asset.attributes,
            owner_bound=asset.resident_id is not None,
        )
        return await answered(db_session, signed, out.model_dump(mode="json"))


def _check_asset_grant(registry: Any, partner: Partner, kind: str) -> None:
    """A partner records assets only of kinds a methodology it reports uses."""
    kinds = {
        getattr(registry.current(m), "asset_kind", None) for m in partner.methodologies if m in registry.ids()
    }
    if kind not in kinds:
        raise Forbidden(
            f"partner {partner.id} reports no methodology that uses {kind!r} assets",
            code="methodology_not_granted",
        )


def _when(value: str | None, name: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(f"{name} must be an ISO 8601 time with zone", code="invalid_query") from exc
    if parsed.tzinfo is None:
        raise Invalid(f"{name} must carry a zone", code="invalid_query")
    return parsed


def _cursor(value: str | None) -> int:
    return after_id(value) if value else 0


async def _partner_names(session: AsyncSession, bindings: list[Binding]) -> dict[int, str]:
    """The name of each bound partner (a resident binds to few partners: one lookup each, from the
    session's identity map when already loaded)."""
    names = {}
    for partner_id in {b.partner_id for b in bindings}:
        partner = await session.get(Partner, partner_id)
        names[partner_id] = partner.name if partner is not None else str(partner_id)
    return names


async def _bindings_out(
    session: AsyncSession, bindings: list[Binding], reprocessed: int | None = None
) -> list[BindingOut]:
    names = await _partner_names(session, bindings)
    return [_binding_out(b, names[b.partner_id], reprocessed) for b in bindings]


def _binding_out(binding: Binding, partner_name: str, reprocessed: int | None = None) -> BindingOut:
    return BindingOut(
        id=binding.id,
        partner_id=binding.partner_id,
        partner_name=partner_name,
        created_at=binding.created_at,
        unbound_at=binding.unbound_at,
        reprocessed=reprocessed,
    )


class OcpiCdrController(Controller):
    """OCPI 2.2.1 receiver for CDRs (Token authorization, OCPI response envelope)."""

    path = "/v1/partners/{partner_id:int}/ocpi/2.2.1/cdrs"
    tags = ["partners"]

    @post("", operation_id="partner_ocpi_cdrs_submit", status_code=200, summary="Receive an OCPI 2.2.1 CDR")
    async def submit(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        partner_id: Annotated[int, PARTNER_ID],
    ) -> Response[dict[str, Any]]:
        services = request.app.state.services
        partner = await ocpi_partner(db_session, partner_id, request.headers.get("authorization", ""))
        mark_caller(request.scope, "partner")
        cdr = _json(await request.body())
        if not isinstance(cdr, dict):
            raise Invalid("the body must be one CDR object", code="invalid_cdr")
        if cdr.get("credit") is True:
            reversal = await reverse_credit_cdr(db_session, services.settings, partner, cdr)
            return Response(envelope({"reversal_transfer_id": reversal}))
        event = to_event(cdr, partner.ocpi_vehicle_kind)
        repo = PartnerRepository(db_session)
        replay = await repo.delivery(partner.id, f"ocpi:{event['id']}")
        if replay is not None:
            return Response(replay.response, status_code=replay.status_code)
        ingest = Ingest(
            db_session, services.registry, services.hash_key, services.settings.partners.batch_size
        )
        acked = await ingest.accept(
            partner,
            f"ocpi:{event['id']}",
            {"events": [event]},
            utcnow(),
            status_code=200,
            wrap=lambda body: envelope(body["events"][0]),
        )
        return Response(acked, status_code=200)


async def ocpi_partner(session: AsyncSession, partner_id: int, authorization: str) -> Partner:
    """The partner whose OCPI token is in ``Authorization: Token <token>`` (plain, or base64 as in 2.2.1)."""
    partner = await PartnerRepository(session).partner(partner_id)
    if partner is None:
        raise NotFound(f"no partner {partner_id}", code="unknown_partner")
    scheme, _, token = authorization.partition(" ")
    candidates = {token.strip()}
    with contextlib.suppress(ValueError, UnicodeDecodeError):
        candidates.add(base64.b64decode(token.strip(), validate=True).decode())
    if (
        scheme.lower() != "token"
        or partner.ocpi_token_hash is None
        or partner.ocpi_token_hash not in {hash_token(c) for c in candidates}
    ):
        raise Unauthorized("send the partner's OCPI token: 'Authorization: Token <token>'", code="bad_token")
    return partner


class BindingController(Controller):
    path = "/v1/me/bindings"
    tags = ["resident"]
    guards = requires(Role.RESIDENT)
    dependencies = {"principal": Provide(provide_principal)}

    @post("", operation_id="me_bindings_create", summary="Redeem a partner's link token")
    async def create(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: Annotated[BindIn, Body()],
    ) -> BindingOut:
        settings = request.app.state.services.settings
        binding, reprocessed = await bind(
            db_session,
            await active_resident_id(db_session, principal),
            data.token,
            settings.partners,
            settings.partners.batch_size,
            utcnow(),
        )
        return (await _bindings_out(db_session, [binding], reprocessed))[0]

    @get("", operation_id="me_bindings_list", summary="The resident's bindings")
    async def list_all(
        self, db_session: NamedDependency[AsyncSession], principal: NamedDependency[Principal]
    ) -> list[BindingOut]:
        resident_id = await active_resident_id(db_session, principal)
        return await _bindings_out(
            db_session, list(await PartnerRepository(db_session).bindings_of(resident_id))
        )

    @delete("/{binding_id:int}", operation_id="me_bindings_delete", status_code=200, summary="Unbind")
    async def remove(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        binding_id: Annotated[int, Parameter(ge=1, le=2**63 - 1)],
    ) -> BindingOut:
        resident_id = await active_resident_id(db_session, principal)
        binding = await unbind(db_session, resident_id, binding_id, utcnow())
        return (await _bindings_out(db_session, [binding]))[0]
