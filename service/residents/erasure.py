"""Unlinking an erased resident's history from everything that could name them again.

The books stay as they were (amounts, methodology, parameter version, grams, district, day), so the ledger
still balances, rollups still add up and every credit can still be replayed. What goes is every handle by
which someone holding our hash key and a card number, a plate or a rooftop could find that history again:

- partner subjects: the bindings' subject hashes and districts, the partner events' subject hashes and raw
  evidence, unused link tokens;
- evidence: fields declared ``identifier`` (keyed hashes) or ``personal`` (stops, bikes, chargers, systems)
  are replaced by pseudonyms drawn at random for this erasure, the same value always by the same pseudonym,
  so equal values stay equal (a meter's readings still follow each other) and a replay decides the same;
- assets: their ``personal`` attributes (a rooftop's coordinates) are removed, from the asset, from the
  actions that recorded it and from the audit log, after the facts a replay needs from them are stored;
- notifications: read marks, WeChat opt-ins (with their sealed openids) and the subscribe messages sent
  are deleted (service/notifications/repository.py);
- donations: the gifts stay (the coins moved, the projects' progress counts them) under the anonymous
  id, like every transfer, but the donor name chosen for the certificates is erased (they say 匿名);
- guards: claimed evidence and shared occupancy stay (the same invoice or meter period is still refused)
  but forget their action; the resident's own occupancy spans are deleted.

``docs/privacy.md`` lists what is kept and why.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from methodologies._sdk import HASHED
from service.actions.decision import cap_counter_keys
from service.actions.models import Action, Asset, EvidenceClaim, Occupancy
from service.audit.models import AuditEntry
from service.donations.repository import DonationRepository
from service.errors import NotFound
from service.methodology.params import ParamService
from service.methodology.registry import Registry
from service.notifications.repository import forget_resident as forget_notifications
from service.partners.models import Binding, LinkToken, PartnerEvent

ERASED = "erased"
PAGE = 500


@dataclass
class Pseudonyms:
    """One erasure's replacements, drawn at random: nothing derives them from the real values."""

    zone: ZoneInfo
    drawn: dict[str, str] = field(default_factory=dict)

    def of(self, value: str) -> str:
        if value not in self.drawn:
            # A keyed hash is replaced by something shaped like one, so evidence models still accept it.
            if HASHED.match(value):
                self.drawn[value] = "hk1:" + secrets.token_hex(32)
            else:
                self.drawn[value] = f"{ERASED}-{secrets.token_hex(8)}"
        return self.drawn[value]


async def erase_history(
    session: AsyncSession, registry: Registry, zone: ZoneInfo, resident_id: int
) -> dict[str, int]:
    """Unlink ``resident_id``'s history (see the module's docstring); returns counts for the audit log."""
    names = Pseudonyms(zone)
    counts = {"actions": 0, "assets": 0, "events": 0, "bindings": 0}
    params = ParamService(session, registry=registry)
    after = 0
    while page := await _actions_page(session, resident_id, after):
        for action in page:
            await _unlink_action(session, registry, params, action, names)
        counts["actions"] += len(page)
        after = page[-1].id
    counts["assets"] = await _strip_assets(session, registry, resident_id, names)
    counts["events"], counts["bindings"] = await _forget_subjects(session, resident_id)
    counts |= await forget_notifications(session, resident_id)
    counts["donor_names"] = await DonationRepository(session).forget_donor_names(resident_id)
    await session.flush()
    return counts


async def _actions_page(session: AsyncSession, resident_id: int, after: int) -> list[Action]:
    stmt = (
        sa.select(Action)
        .where(Action.resident_id == resident_id, Action.id > after)
        .order_by(Action.id)
        .limit(PAGE)
    )
    return list((await session.scalars(stmt)).all())


async def _unlink_action(
    session: AsyncSession, registry: Registry, params: ParamService, action: Action, names: Pseudonyms
) -> None:
    methodology = _methodology(registry, action)
    context = dict(action.context)
    model = methodology.Evidence if methodology is not None else None
    evidence = pseudonymised(action.evidence, model, names)
    if methodology is not None:
        resolved = await params.exact(methodology, action.params_version)
        old, new = model.model_validate(action.evidence), model.model_validate(evidence)
        if context.get("asset") and not context.get("derived"):
            # Recorded before derived facts were stored: work them out now, while the asset is whole.
            context["derived"] = methodology.derived_facts(old, resolved.params, context["asset"])
        # Counters of a vehicle's or a system's caps are keyed by it: the replay looks them up by the
        # pseudonymised evidence's keys.
        renamed = _renamed_counters(methodology, old, new, resolved.params, action.resident_id, names.zone)
        usage = context.get("cap_usage") or {}
        context["cap_usage"] = {renamed.get(key, key): used for key, used in usage.items()}
    action.evidence = evidence
    if context.get("previous"):
        context["previous"] = pseudonymised(context["previous"], model, names)
    if context.get("asset"):
        asset_model = getattr(methodology, "Asset", None)
        context["asset"] = without_personal(context["asset"], asset_model)
    if context.get("claimed_by"):
        context["claimed_by"] = {names.of(key): by for key, by in context["claimed_by"].items()}
    action.context = context
    if action.history_key is not None:
        action.history_key = _history_key(methodology, action, names)
    await _detach_guards(session, action.id, action.resident_id)


def _renamed_counters(
    methodology: Any, old: Any, new: Any, params: Any, resident_id: int, zone: ZoneInfo
) -> dict[str, str]:
    before = cap_counter_keys(methodology, old, params, resident_id, zone)
    after = cap_counter_keys(methodology, new, params, resident_id, zone)
    return dict(zip(before, after, strict=True))


def _methodology(registry: Registry, action: Action) -> Any:
    try:
        return registry.version(action.methodology_id, action.code_version)
    except NotFound:
        return None  # its plug-in is gone: every text value is treated as personal


def _history_key(methodology: Any, action: Action, names: Pseudonyms) -> str | None:
    if methodology is None:
        return names.of(action.history_key or "")
    key: str | None = methodology.history_key(methodology.Evidence.model_validate(action.evidence))
    return key


def pseudonymised(evidence: dict[str, Any], model: Any, names: Pseudonyms) -> dict[str, Any]:
    """``evidence`` with its identifying and personal text values replaced by pseudonyms."""
    if model is None:
        fields = {key for key, value in evidence.items() if isinstance(value, str) and not _is_time(value)}
    else:
        fields = set(model.identifiers()) | set(model.personal_fields())
    return {
        key: names.of(value) if key in fields and isinstance(value, str) else value
        for key, value in evidence.items()
    }


def without_personal(attributes: dict[str, Any], model: Any) -> dict[str, Any]:
    personal = set(model.personal_fields()) if hasattr(model, "personal_fields") else set(attributes)
    return {key: value for key, value in attributes.items() if key not in personal}


def _is_time(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


async def _detach_guards(session: AsyncSession, action_id: int, resident_id: int) -> None:
    own = Occupancy.scope_key.startswith(f"r{resident_id}:", autoescape=True)
    await session.execute(sa.delete(Occupancy).where(Occupancy.action_id == action_id, own))
    await session.execute(sa.update(Occupancy).where(Occupancy.action_id == action_id).values(action_id=None))
    await session.execute(
        sa.update(EvidenceClaim).where(EvidenceClaim.action_id == action_id).values(action_id=None)
    )


async def _strip_assets(
    session: AsyncSession, registry: Registry, resident_id: int, names: Pseudonyms
) -> int:
    assets = (await session.scalars(sa.select(Asset).where(Asset.resident_id == resident_id))).all()
    for asset in assets:
        model = _asset_model(registry, asset.kind)
        old_target = f"asset:{asset.kind}:{asset.ref}"
        asset.ref = names.of(asset.ref)
        asset.attributes = without_personal(asset.attributes, model)
        asset.subject_hash = None
        audited = (await session.scalars(sa.select(AuditEntry).where(AuditEntry.target == old_target))).all()
        for entry in audited:
            entry.target = f"asset:{asset.kind}:{asset.ref}"
            entry.details = without_personal(entry.details, model)
    return len(assets)


def _asset_model(registry: Registry, kind: str) -> Any:
    for methodology_id in registry.ids():
        methodology = registry.current(methodology_id)
        if getattr(methodology, "asset_kind", None) == kind:
            return methodology.Asset
    return None


async def _forget_subjects(session: AsyncSession, resident_id: int) -> tuple[int, int]:
    bindings = (await session.scalars(sa.select(Binding).where(Binding.resident_id == resident_id))).all()
    subjects = {(b.partner_id, b.subject_hash) for b in bindings if b.subject_hash != ERASED}
    events = 0
    for partner_id, subject_hash in sorted(subjects):
        mine = (PartnerEvent.partner_id == partner_id) & (PartnerEvent.subject_hash == subject_hash)
        result = await session.execute(
            sa.update(PartnerEvent).where(mine).values(subject_hash=ERASED, evidence={})
        )
        events += result.rowcount or 0  # type: ignore[attr-defined]
        await session.execute(
            sa.delete(LinkToken).where(
                LinkToken.partner_id == partner_id, LinkToken.subject_hash == subject_hash
            )
        )
    for binding in bindings:
        binding.subject_hash, binding.district = ERASED, None
    return events, len(bindings)
