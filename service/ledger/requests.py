"""What a caller asks the ledger for, and the limits every request is checked against before anything moves.

Kept apart from ``Ledger`` so that the modules the ledger delegates to (``issuance``) can build and
fingerprint requests without importing the ledger itself.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from service.errors import Invalid

MAX_AMOUNT = 10**12  # far above any real movement; keeps sums far from 64-bit overflow
MAX_KEY_LENGTH = 200
# Keys the ledger makes for its own transfers. A caller's request under one of them would take the key
# first, and the post, reversal or expiry sweep it belongs to could then never happen.
RESERVED_KEY_PREFIXES = ("post:", "reverse:", "expire:")


@dataclass(frozen=True)
class TransferRequest:
    debit_account_id: int
    credit_account_id: int
    amount: int
    kind: str
    idempotency_key: str
    reference: str | None = None

    def fingerprint(self, operation: str, **extra: object) -> str:
        body = {"operation": operation, **vars(self), **extra}  # fields are plain values: no deep copy
        body.pop("idempotency_key")
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def validate_amount_and_key(amount: object, key: object) -> None:
    """Raise ``Invalid`` unless ``amount`` is 1..MAX_AMOUNT whole coins and ``key`` a caller's usable key."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise Invalid("amount must be an integer number of coins", code="invalid_amount")
    if not 0 < amount <= MAX_AMOUNT:
        raise Invalid(f"amount must be between 1 and {MAX_AMOUNT} coins", code="invalid_amount")
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise Invalid(
            f"idempotency key must be 1 to {MAX_KEY_LENGTH} characters", code="invalid_idempotency_key"
        )
    if key.startswith(RESERVED_KEY_PREFIXES):
        raise Invalid(
            f"idempotency keys starting with {', '.join(RESERVED_KEY_PREFIXES)} are the ledger's own",
            code="reserved_idempotency_key",
        )
