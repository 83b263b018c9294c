"""Rotating the JWT keys (by kid) and the secrets key (by re-encrypting what it sealed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.models import record as audit
from service.errors import Invalid
from service.keys.generate import dated_kid, random_key
from service.keys.repository import SEALED_COLUMNS, SealedValueRepository
from service.partners.crypto import SecretBox


def add_jwt_kid(keys: dict[str, str], today: dt.date) -> tuple[dict[str, str], str]:
    """``keys`` plus a new dated kid, and that kid (to become TANBI_AUTH__ACTIVE_KID).

    The old kids stay: tokens they signed keep verifying until their kid is dropped (after the access
    token lifetime, 15 minutes by default)."""
    kid = dated_kid("jwt", today, keys)
    return keys | {kid: random_key()}, kid


def drop_jwt_kid(keys: dict[str, str], kid: str, active_kid: str | None) -> dict[str, str]:
    """``keys`` without ``kid``: tokens it signed are refused from then on. The signing kid cannot go."""
    if kid not in keys:
        raise Invalid(f"no JWT kid {kid!r} among {', '.join(sorted(keys))}", code="unknown_kid")
    signing = active_kid or sorted(keys)[-1]
    if kid == signing:
        raise Invalid(f"{kid!r} signs new tokens: rotate first, then drop it", code="active_kid")
    return {name: value for name, value in keys.items() if name != kid}


@dataclass
class Resealed:
    """What a secrets-key rotation did, per sealed column (``table.column``)."""

    resealed: dict[str, int] = field(default_factory=dict)
    # Values that the new key already opened (a rotation run again after it committed).
    already_new: int = 0


async def reseal_all(session: AsyncSession, old: SecretBox, new: SecretBox) -> Resealed:
    """Re-encrypt every value sealed with ``old`` under ``new``, in the session's transaction.

    Rows are locked as they are read (PostgreSQL), so no value is sealed again with the old key meanwhile
    by a request that already read it; a value neither key opens stops everything (Invalid, and the
    caller rolls back): the rotation is all or nothing. Running it again with the same keys changes
    nothing."""
    repo, done = SealedValueRepository(session), Resealed()
    for model, column in SEALED_COLUMNS:
        count = 0
        async for page in repo.pages(model, column):
            changed = {}
            for row_id, value in page:
                sealed = _reseal(value, old, new, f"{model.__tablename__}.{column} {row_id}")
                if sealed is None:
                    done.already_new += 1
                else:
                    changed[row_id] = sealed
            await repo.update(model, column, changed)
            count += len(changed)
        done.resealed[f"{model.__tablename__}.{column}"] = count
    details = {"resealed": done.resealed, "already_new": done.already_new}
    await audit(session, "operator:cli", "keys.rotate_secrets", "keys:secrets", details)
    return done


def _reseal(value: str, old: SecretBox, new: SecretBox, where: str) -> str | None:
    """``value`` sealed under ``new``; None when ``new`` already opens it."""
    try:
        return new.seal(old.open(value))
    except InvalidTag:
        pass
    try:
        new.open(value)
    except InvalidTag as exc:
        raise Invalid(
            f"{where} opens with neither the current nor the new secrets key", code="undecryptable"
        ) from exc
    return None
