"""The refusals a redemption can end in: one code, one status and one message each, whichever path made
it (the Python ledger, or the PostgreSQL functions of migration 0007). Clients must not be able to tell
the two paths apart; tests/integration/merchants/test_redemption_twins.py runs both and compares."""

from __future__ import annotations

from service.errors import (
    Conflict,
    DomainError,
    IdempotencyConflict,
    InsufficientFunds,
    NotFound,
    Unauthorized,
)

REFUSALS: dict[str, tuple[type[DomainError], str]] = {
    "merchant_not_found": (NotFound, "this token's merchant does not exist"),
    "resident_not_found": (NotFound, "this token's resident does not exist"),
    "account_deleted": (Unauthorized, "this account has been deleted"),
    "paycode_unknown": (NotFound, "this pay-code is not one of ours"),
    "paycode_used": (Conflict, "this pay-code has been used"),
    "paycode_expired": (Conflict, "this pay-code has expired; ask for a new one"),
    "idempotency_conflict": (IdempotencyConflict, "this idempotency key was used for another charge"),
    "insufficient_funds": (InsufficientFunds, "not enough coins available"),
    "offer_not_found": (NotFound, "this offer does not exist"),
    "sold_out": (Conflict, "this offer is sold out"),
    "offer_not_available": (Conflict, "this offer is not available now"),
    "limit_reached": (Conflict, "you already hold the most vouchers of this offer"),
}


def refusal(code: str) -> DomainError:
    """The error for ``code``, as both redemption paths raise it."""
    cls, detail = REFUSALS[code]
    return cls(detail, code=code)
