"""Registered assets (e.g. rooftop PV systems): evidence about them credits only their owner.

A methodology says who may register its assets (``asset_registrar``): residents, or partners only. A PV
system's capacity decides what can be credited, so rooftop_solar 2.x takes it from the installer's or the
grid company's record, sent by that partner, never from what a resident types in.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.models import Asset, AssetSource
from service.actions.repository import ActionRepository
from service.audit.models import record as audit
from service.db.base import utcnow
from service.errors import Conflict, Forbidden, Invalid, validation_errors
from service.methodology.registry import Registry


def asset_methodology(registry: Registry, kind: str) -> Any:
    """The current methodology whose evidence refers to assets of ``kind``."""
    for methodology_id in registry.ids():
        methodology = registry.current(methodology_id)
        if getattr(methodology, "asset_kind", None) == kind:
            return methodology
    raise Invalid(f"no methodology uses assets of kind {kind!r}", code="unknown_asset_kind")


def asset_model(registry: Registry, kind: str) -> Any:
    return asset_methodology(registry, kind).Asset


def _checked(registry: Registry, kind: str, attributes: dict[str, Any]) -> dict[str, Any]:
    try:
        return asset_model(registry, kind).model_validate(attributes).model_dump(mode="json")  # type: ignore[no-any-return]
    except ValidationError as exc:
        errors = validation_errors(exc)
        raise Invalid(
            "asset attributes are not valid", code="invalid_asset", extra={"errors": errors}
        ) from exc


async def register_asset(
    session: AsyncSession,
    registry: Registry,
    resident_id: int,
    kind: str,
    ref: str,
    attributes: dict[str, Any],
) -> Asset:
    """Register ``ref`` of ``kind`` to the resident; the same registration again returns the first one."""
    if getattr(asset_methodology(registry, kind), "asset_registrar", "resident") == "partner":
        raise Forbidden(
            f"a {kind} is registered from its installer's or grid company's record, through that partner",
            code="asset_registered_by_partner",
        )
    checked = _checked(registry, kind, attributes)
    repo = ActionRepository(session)
    existing = await repo.asset(kind, ref)
    if existing is not None:
        if existing.resident_id == resident_id and existing.attributes == checked:
            return existing
        raise Conflict(f"{kind} {ref!r} is already registered", code="asset_exists")
    asset = Asset(kind=kind, ref=ref, resident_id=resident_id, attributes=checked, created_at=utcnow())
    await repo.add(asset)
    return asset


async def record_partner_asset(
    session: AsyncSession,
    registry: Registry,
    partner_id: int,
    subject_hash: str,
    resident_id: int | None,
    kind: str,
    ref: str,
    attributes: dict[str, Any],
) -> Asset:
    """Store or update a partner's record of ``ref``, owned by the partner's ``subject_hash`` (resolved to
    ``resident_id`` when already bound). Only the partner that registered an asset may change it; a record a
    resident declared is replaced by the partner's, as long as it names the same owner. Audited."""
    checked = _checked(registry, kind, attributes)
    repo = ActionRepository(session)
    asset = await repo.asset(kind, ref)
    if asset is None:
        asset = Asset(kind=kind, ref=ref, attributes=checked, created_at=utcnow())
        session.add(asset)
    elif asset.source == AssetSource.PARTNER and asset.partner_id != partner_id:
        raise Conflict(f"{kind} {ref!r} is registered by another partner", code="asset_exists")
    elif asset.source == AssetSource.RESIDENT and asset.resident_id not in (None, resident_id):
        raise Conflict(f"{kind} {ref!r} is registered to another resident", code="asset_exists")
    changed = asset.attributes != checked or asset.source != AssetSource.PARTNER
    asset.attributes, asset.source = checked, AssetSource.PARTNER
    asset.partner_id, asset.subject_hash = partner_id, subject_hash
    asset.resident_id = resident_id if resident_id is not None else asset.resident_id
    await session.flush()
    if changed:
        await audit(session, f"partner:{partner_id}", "asset.record", f"asset:{kind}:{ref}", checked)
    return asset


async def attach_partner_assets(
    session: AsyncSession, partner_id: int, subject_hash: str, resident_id: int
) -> None:
    """A partner's records of this subject now belong to the resident who bound it."""
    await session.execute(
        sa.update(Asset)
        .where(Asset.partner_id == partner_id, Asset.subject_hash == subject_hash)
        .values(resident_id=resident_id)
    )
