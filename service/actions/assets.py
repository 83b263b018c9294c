"""Registered assets (e.g. rooftop PV systems): evidence about them credits only their owner."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.models import Asset
from service.actions.repository import ActionRepository
from service.db.base import utcnow
from service.errors import Conflict, Invalid, validation_errors
from service.methodology.registry import Registry


def asset_model(registry: Registry, kind: str) -> Any:
    for methodology_id in registry.ids():
        methodology = registry.current(methodology_id)
        if getattr(methodology, "asset_kind", None) == kind:
            return methodology.Asset  # type: ignore[attr-defined]
    raise Invalid(f"no methodology uses assets of kind {kind!r}", code="unknown_asset_kind")


async def register_asset(
    session: AsyncSession,
    registry: Registry,
    resident_id: int,
    kind: str,
    ref: str,
    attributes: dict[str, Any],
) -> Asset:
    """Register ``ref`` of ``kind`` to the resident; the same registration again returns the first one."""
    try:
        checked = asset_model(registry, kind).model_validate(attributes).model_dump(mode="json")
    except ValidationError as exc:
        errors = validation_errors(exc)
        raise Invalid(
            "asset attributes are not valid", code="invalid_asset", extra={"errors": errors}
        ) from exc
    repo = ActionRepository(session)
    existing = await repo.asset(kind, ref)
    if existing is not None:
        if existing.resident_id == resident_id and existing.attributes == checked:
            return existing
        raise Conflict(f"{kind} {ref!r} is already registered", code="asset_exists")
    asset = Asset(kind=kind, ref=ref, resident_id=resident_id, attributes=checked, created_at=utcnow())
    await repo.add(asset)
    return asset
