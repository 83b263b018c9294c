"""Operator actions on partners: create one with its first secret, rotate secrets (old one kept 24 h)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.models import record as audit
from service.db.base import utcnow
from service.errors import Conflict, Invalid, NotFound
from service.identity.tokens import hash_token
from service.methodology.registry import Registry
from service.partners.crypto import SecretBox, new_secret
from service.partners.models import Partner, PartnerSecret
from service.partners.repository import PartnerRepository


@dataclass(frozen=True)
class Credentials:
    id: int
    secret: str
    ocpi_token: str | None = None


async def add_partner(
    session: AsyncSession,
    box: SecretBox,
    registry: Registry,
    name: str,
    methodologies: list[str],
    *,
    ocpi: bool = False,
    ocpi_vehicle_kind: str | None = None,
) -> Credentials:
    """A partner and its first secret; with ``ocpi`` an OCPI token, and the operator's statement of what
    cars its users' tokens charge (``ocpi_vehicle_kind``, e.g. ``private_car``)."""
    repo = PartnerRepository(session)
    unknown = sorted(set(methodologies) - set(registry.ids()))
    if unknown or not methodologies:
        raise Invalid(
            f"unknown methodologies: {', '.join(unknown) or '(none given)'}", code="unknown_methodology"
        )
    if await repo.partner_by_name(name) is not None:
        raise Conflict(f"a partner named {name!r} exists", code="partner_exists")
    ocpi_token = "ocpi_" + secrets.token_urlsafe(32) if ocpi else None
    partner = Partner(
        name=name,
        methodologies=sorted(set(methodologies)),
        ocpi_token_hash=hash_token(ocpi_token) if ocpi_token else None,
        ocpi_vehicle_kind=ocpi_vehicle_kind if ocpi else None,
        created_at=utcnow(),
    )
    await repo.add(partner)
    secret = new_secret()
    await repo.add(PartnerSecret(partner_id=partner.id, encrypted=box.seal(secret), created_at=utcnow()))
    await audit(
        session,
        "operator:cli",
        "partner.add",
        f"partner:{partner.id}",
        {"methodologies": methodologies, "ocpi_vehicle_kind": partner.ocpi_vehicle_kind},
    )
    return Credentials(partner.id, secret, ocpi_token)


async def rotate_secret(
    session: AsyncSession, box: SecretBox, partner_id: int, grace_hours: int
) -> Credentials:
    """A new current secret; the previous ones stay valid for ``grace_hours``."""
    repo = PartnerRepository(session)
    if await repo.partner(partner_id) is None:
        raise NotFound(f"no partner {partner_id}", code="unknown_partner")
    now = utcnow()
    await repo.retire_current_secrets(partner_id, now + dt.timedelta(hours=grace_hours))
    secret = new_secret()
    await repo.add(PartnerSecret(partner_id=partner_id, encrypted=box.seal(secret), created_at=now))
    await audit(
        session,
        "operator:cli",
        "partner.rotate_secret",
        f"partner:{partner_id}",
        {"grace_hours": grace_hours},
    )
    return Credentials(partner_id, secret)
