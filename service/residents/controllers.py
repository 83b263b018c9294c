"""HTTP routes of the resident's own data: wallet, actions, transfers, impact, and account deletion."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import Parameter, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.models import Action
from service.db.base import utcnow
from service.errors import Invalid, NotFound
from service.identity.guards import provide_principal, requires
from service.identity.principal import Principal, Role
from service.identity.service import active_resident
from service.ledger.models import Transfer
from service.residents import queries
from service.residents.schemas import (
    ActionOut,
    ActionPage,
    ImpactOut,
    LotOut,
    MethodologyImpact,
    MonthImpact,
    TransferOut,
    TransferPage,
    WalletOut,
)

PAGE_MAX = 200


async def _resident_id(session: AsyncSession, principal: Principal) -> int:
    """The caller's resident id, once it is known to exist and not to be deleted.

    Checked in the handlers, not in a dependency: an error raised while dependencies are resolved would
    have the request's session cleaned up while the response is sent.
    """
    return (await active_resident(session, principal.resident_id)).id


def _before(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode())
    except ValueError as exc:
        raise Invalid("the cursor is not one this API gave out", code="invalid_cursor") from exc


def _cursor(rows: list[Any], limit: int) -> str | None:
    return base64.urlsafe_b64encode(str(rows[limit - 1].id).encode()).decode() if len(rows) > limit else None


def _action_out(action: Action) -> ActionOut:
    return ActionOut(
        id=action.id,
        methodology_id=action.methodology_id,
        status=action.status,
        reasons=list(action.reasons),
        occurred_at=action.occurred_at,
        grams=action.grams,
        coins=action.coins,
        breakdown=action.breakdown,
    )


def _transfer_out(transfer: Transfer, wallet_id: int) -> TransferOut:
    sign = 1 if transfer.credit_account_id == wallet_id else -1
    return TransferOut(
        id=transfer.id,
        kind=transfer.kind,
        amount=sign * transfer.amount,
        reference=transfer.reference,
        created_at=transfer.created_at,
    )


class ResidentController(Controller):
    path = "/v1/me"
    tags = ["resident"]
    guards = requires(Role.RESIDENT)
    dependencies = {"principal": Provide(provide_principal)}

    @get("/wallet", operation_id="me_wallet", summary="Available and held coins, lots and their expiry")
    async def wallet(
        self, db_session: NamedDependency[AsyncSession], principal: NamedDependency[Principal]
    ) -> WalletOut:
        resident_id = await _resident_id(db_session, principal)
        found = await queries.wallet(db_session, resident_id, utcnow())
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

    @get("/actions", operation_id="me_actions_list", summary="The resident's actions, newest first")
    async def actions(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MAX)] = 50,
    ) -> ActionPage:
        resident_id = await _resident_id(db_session, principal)
        rows = list(await queries.actions(db_session, resident_id, _before(cursor), limit + 1))
        return ActionPage(items=[_action_out(a) for a in rows[:limit]], next_cursor=_cursor(rows, limit))

    @get("/actions/{action_id:int}", operation_id="me_actions_get", summary="One of the resident's actions")
    async def action(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        action_id: Annotated[int, Parameter(ge=1, le=2**63 - 1)],
    ) -> ActionOut:
        resident_id = await _resident_id(db_session, principal)
        found = await queries.action(db_session, resident_id, action_id)
        if found is None:  # another resident's action is answered exactly like a missing one
            raise NotFound(f"action {action_id} does not exist", code="action_not_found")
        return _action_out(found)

    @get(
        "/transfers", operation_id="me_transfers_list", summary="Coins in and out of the wallet, newest first"
    )
    async def transfers(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MAX)] = 50,
    ) -> TransferPage:
        resident_id = await _resident_id(db_session, principal)
        account = await queries.wallet_account(db_session, resident_id)
        if account is None:
            return TransferPage(items=[], next_cursor=None)
        rows = list(await queries.transfers(db_session, account.id, _before(cursor), limit + 1))
        items = [_transfer_out(t, account.id) for t in rows[:limit]]
        return TransferPage(items=items, next_cursor=_cursor(rows, limit))

    @get("/impact", operation_id="me_impact", summary="Grams CO2e avoided, by methodology and by month")
    async def impact(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
    ) -> ImpactOut:
        resident_id = await _resident_id(db_session, principal)
        found = await queries.impact(db_session, resident_id, request.app.state.services.settings.zone)
        return ImpactOut(
            total_grams=found.total_grams,
            by_methodology=[
                MethodologyImpact(methodology_id=m, grams=g, actions=n)
                for m, (g, n) in found.by_methodology.items()
            ],
            by_month=[MonthImpact(month=m, grams=g) for m, g in found.by_month.items()],
        )
