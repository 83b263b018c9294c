"""Deleting a resident's account: personal data erased, the books kept under the now anonymous id.

The resident row stays (ledger accounts, transfers and actions point at its id, and the books must still
balance) but nothing on it identifies a person any more: phone and WeChat hashes and the display name are
erased. Bindings are ended (partners' events stop being credited), refresh tokens and attestations revoked,
unused pay-codes deleted. Signing in again with the same phone or WeChat account makes a new, unrelated
resident.

The history is then unlinked (service/residents/erasure.py): partner subjects, identifying and personal
evidence and asset coordinates go; what a replay and an audit need stays (docs/privacy.md).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.attestations.service import revoke_all as revoke_attestations
from service.audit.models import record as audit
from service.errors import NotFound
from service.identity.models import RefreshToken, Resident
from service.identity.principal import Role
from service.merchants.models import PayCode
from service.methodology.registry import Registry
from service.partners.models import Binding
from service.residents.erasure import erase_history


async def delete_account(
    session: AsyncSession, registry: Registry, zone: ZoneInfo, resident_id: int, now: dt.datetime
) -> None:
    resident = await session.get(Resident, resident_id, with_for_update=True)
    if resident is None or resident.deleted_at is not None:
        raise NotFound("this account does not exist", code="resident_not_found")
    resident.phone_hash = resident.openid_hash = resident.unionid_hash = None
    resident.display_name = resident.district = None
    resident.deleted_at = now
    await session.execute(
        sa.update(Binding)
        .where(Binding.resident_id == resident_id, Binding.unbound_at.is_(None))
        .values(unbound_at=now)
    )
    await session.execute(
        sa.update(RefreshToken)
        .where(
            RefreshToken.subject == str(resident_id),
            RefreshToken.role == Role.RESIDENT,
            RefreshToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    await session.execute(sa.delete(PayCode).where(PayCode.resident_id == resident_id))
    # A bank checking an attestation online must learn it no longer stands (docs/attestations.md).
    revoked = await revoke_attestations(session, resident_id, now)
    erased = await erase_history(session, registry, zone, resident_id) | {"attestations_revoked": revoked}
    await audit(session, f"resident:{resident_id}", "resident.delete", f"resident:{resident_id}", erased)
    await session.flush()
