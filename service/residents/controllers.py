"""HTTP routes of the resident's own data: wallet, actions, transfers, impact, and account deletion."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import Parameter, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.models import Action
from service.db.base import utcnow
from service.errors import Invalid, NotFound
from service.http.dates import EARLIEST, LATEST
from service.http.i18n import LANGUAGE, language_of
from service.identity.guards import authenticate, provide_principal, requires
from service.identity.principal import Principal, Role
from service.identity.service import active_resident_id
from service.residents.repository import ActionKey, ResidentRepository, active_wallet, counterparts
from service.residents.schemas import (
    ActionOut,
    ActionPage,
    ImpactOut,
    LotOut,
    MethodologyImpact,
    MonthImpact,
    TransferPage,
    WalletOut,
)
from service.residents.views import action_out, transfer_out

PAGE_MAX = 200
MAX_ID = 2**63 - 1  # BIGINT: a larger id in a forged cursor must be refused, not sent to the database


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def _decode(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, ValueError) as exc:
        raise _bad_cursor() from exc


def _bad_cursor() -> Invalid:
    return Invalid("the cursor is not one this API gave out", code="invalid_cursor")


def _id(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ID:
        raise _bad_cursor()
    return int(text)


def _action_cursor(action: Action) -> str:
    return _encode(f"{action.occurred_at.astimezone(dt.UTC).isoformat()}|{action.id}")


def _action_key(cursor: str | None) -> ActionKey | None:
    if cursor is None:
        return None
    occurred_at, _, action_id = _decode(cursor).partition("|")
    try:
        when = dt.datetime.fromisoformat(occurred_at)
        # Cursors carry UTC times of stored actions; year 1 or 9999 in another zone overflows on the way.
        if when.tzinfo is None or not EARLIEST.year <= when.astimezone(dt.UTC).year <= LATEST.year:
            raise _bad_cursor()
    except (ValueError, OverflowError) as exc:
        raise _bad_cursor() from exc
    return ActionKey(when, _id(action_id))


def _transfer_id(cursor: str | None) -> int | None:
    return None if cursor is None else _id(_decode(cursor))


class ResidentController(Controller):
    """Every handler starts with ``active_resident_id`` (the wallet with ``active_wallet``, which makes the
    same checks in the same statement as the read): it is what refuses a deleted account's tokens
    (tests/integration/residents walks the routes to hold every handler to it). It is called in the
    handlers, not in a dependency: when a dependency raises after the request's session was provided,
    Litestar 2.25 never resumes the session's generator, so it is neither rolled back nor closed (tried:
    the next request on that connection failed with "no such savepoint").

    The wallet, the hot read, asks for no dependency: it reads through the database, not a request
    session, and takes the principal the guard verified from the request (resolving the session and the
    principal through Litestar's dependency injection was a fifth of its CPU)."""

    path = "/v1/me"
    tags = ["resident"]
    guards = requires(Role.RESIDENT)
    dependencies = {"principal": Provide(provide_principal)}

    @get("/wallet", operation_id="me_wallet", summary="Available and held coins, lots and their expiry")
    async def wallet(self, request: Request[Any, Any, Any]) -> WalletOut:
        database = request.app.state.services.database
        found = await active_wallet(database, authenticate(request).resident_id, utcnow())
        lots = [
            LotOut(
                id=lot.id,
                amount=lot.amount,
                remaining=lot.remaining,
                held=lot.held,
                earned_at=lot.created_at,
                expires_at=lot.expires_at,
            )
            for lot in found.lots
        ]
        return WalletOut(
            available=found.available, held=found.held, lots=lots, expiring_30d=found.expiring_30d
        )

    @get(
        "/actions",
        operation_id="me_actions_list",
        middleware=LANGUAGE,
        summary="The resident's actions, latest first",
    )
    async def actions(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        cursor: Annotated[str | None, QueryParameter(max_length=128)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MAX)] = 50,
    ) -> ActionPage:
        resident_id = await active_resident_id(db_session, principal)
        before = _action_key(cursor)
        rows = list(await ResidentRepository(db_session).actions(resident_id, before, limit + 1))
        more = len(rows) > limit
        registry, lang = request.app.state.services.registry, language_of(request)
        return ActionPage(
            items=[action_out(a, registry, lang) for a in rows[:limit]],
            next_cursor=_action_cursor(rows[limit - 1]) if more else None,
        )

    @get(
        "/actions/{action_id:int}",
        operation_id="me_actions_get",
        middleware=LANGUAGE,
        summary="One of the resident's actions",
    )
    async def action(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        action_id: Annotated[int, Parameter(ge=1, le=MAX_ID)],
    ) -> ActionOut:
        resident_id = await active_resident_id(db_session, principal)
        found = await ResidentRepository(db_session).action(resident_id, action_id)
        if found is None:  # another resident's action is answered exactly like a missing one
            raise NotFound(f"action {action_id} does not exist", code="action_not_found")
        return action_out(found, request.app.state.services.registry, language_of(request))

    @get(
        "/transfers",
        operation_id="me_transfers_list",
        middleware=LANGUAGE,
        summary="Coins in and out of the wallet, newest first",
    )
    async def transfers(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MAX)] = 50,
    ) -> TransferPage:
        resident_id = await active_resident_id(db_session, principal)
        before_id = _transfer_id(cursor)
        repo = ResidentRepository(db_session)
        account = await repo.wallet_account(resident_id)
        if account is None:
            return TransferPage(items=[], next_cursor=None)
        rows = list(await repo.transfers(account.id, before_id, limit + 1))
        more = len(rows) > limit
        page = rows[:limit]
        found = await counterparts(db_session, resident_id, page)
        registry, lang = request.app.state.services.registry, language_of(request)
        return TransferPage(
            items=[transfer_out(t, account.id, found, registry, lang) for t in page],
            next_cursor=_encode(str(rows[limit - 1].id)) if more else None,
        )

    @get("/impact", operation_id="me_impact", summary="Grams CO2e avoided, by methodology and by month")
    async def impact(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
    ) -> ImpactOut:
        resident_id = await active_resident_id(db_session, principal)
        zone = request.app.state.services.settings.zone
        found = await ResidentRepository(db_session).impact(resident_id, zone)
        return ImpactOut(
            total_grams=found.total_grams,
            by_methodology=[
                MethodologyImpact(methodology_id=m, grams=g, actions=n)
                for m, (g, n) in found.by_methodology.items()
            ],
            by_month=[MonthImpact(month=m, grams=g) for m, g in found.by_month.items()],
        )
