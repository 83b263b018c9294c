"""Read-only ledger routes for the city and its auditors."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.keys import CREDIT_PATH_CHECKS
from service.errors import NotFound
from service.identity.guards import requires
from service.identity.principal import Role
from service.ledger.repository import LedgerRepository
from service.ledger.schemas import AccountOut, VerifyReportOut
from service.ledger.verify import verify_ledger

DB_ID = Parameter(ge=1, le=2**63 - 1)


class LedgerController(Controller):
    path = "/v1/ledger"
    tags = ["ledger"]
    guards = requires(Role.AUDITOR, Role.CITY)

    @get("/verify", operation_id="ledger_verify", summary="Check every ledger invariant now")
    async def verify(self, db_session: NamedDependency[AsyncSession]) -> VerifyReportOut:
        report = await verify_ledger(db_session, *CREDIT_PATH_CHECKS)
        return VerifyReportOut.model_validate(report.as_dict())

    @get("/accounts/{account_id:int}", operation_id="ledger_account_get", summary="One account's balances")
    async def account(
        self, db_session: NamedDependency[AsyncSession], account_id: Annotated[int, DB_ID]
    ) -> AccountOut:
        account = await LedgerRepository(db_session).account(account_id)
        if account is None:
            raise NotFound(f"account {account_id} does not exist", code="account_not_found")
        return AccountOut(
            id=account.id,
            kind=account.kind,
            code=account.code,
            balance=account.balance,
            held=account.held,
            available=account.available,
            created_at=account.created_at,
        )
