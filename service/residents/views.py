"""What a resident's screens show of an action or a transfer: names and sentences in the request's
language, not ids and codes.

An action reads "公交出行 5.0 km" (its methodology's name and its size); a rejected one shows what its
evidence was worth (``claimed_grams``), that nothing was credited (``credited_grams`` 0) and why, with the
numbers. A transfer names what it was for: the action's title, "茶馆 · 绿茶一杯" for a voucher, the
merchant for a pay-code charge, "退款 · ..." for a reversal.
"""

from __future__ import annotations

from methodologies._sdk.explanations import explain, names, summary
from methodologies._sdk.families import family
from service.actions.models import Action
from service.errors import NotFound
from service.http.i18n import Lang
from service.ledger.models import Transfer
from service.methodology.registry import Registry, reason_meanings
from service.residents.repository import Counterparts, referenced_id
from service.residents.schemas import ActionOut, Counterpart, ReasonExplained, TransferOut


def action_title(action: Action, registry: Registry, lang: Lang) -> tuple[str, str | None]:
    """(title, summary): the methodology's name in ``lang`` and the action's size ("5.0 km") if it has one."""
    try:
        zh, en = names(registry.version(action.methodology_id, action.code_version).title)
    except NotFound:  # a methodology no longer installed: its id is all there is
        zh = en = action.methodology_id
    return lang.pick(zh, en), summary(action.evidence or {})


def action_out(action: Action, registry: Registry, lang: Lang) -> ActionOut:
    name, size = action_title(action, registry, lang)
    try:
        declared = reason_meanings(registry.version(action.methodology_id, action.code_version))
    except NotFound:
        declared = {}
    stored = dict(action.breakdown or {})
    claimed = stored.pop("grams", None)
    # The stored breakdown's "grams" is what the evidence was worth before caps and checks; shown as
    # claimed_grams, so that a rejected action never shows 134 grams beside 0 credited.
    breakdown = {**stored, "claimed_grams": claimed, "credited_grams": action.grams}
    try:
        group = family(action.family)
    except KeyError:  # actions recorded before families were stored
        group = None
    return ActionOut(
        id=action.id,
        methodology_id=action.methodology_id,
        title=f"{name} {size}" if size else name,
        methodology_name=name,
        summary=size,
        family_name=lang.pick(group.zh, group.en) if group else None,
        status=action.status,
        reasons=list(action.reasons),
        reasons_explained=[
            ReasonExplained(
                code=code,
                text=lang.pick(
                    *explain(
                        code,
                        declared,
                        action.evidence or {},
                        action.breakdown or {},
                        action.context or {},
                        action.occurred_at,
                    )
                ),
            )
            for code in action.reasons
        ],
        occurred_at=action.occurred_at,
        claimed_grams=claimed if isinstance(claimed, int) else 0,
        credited_grams=action.grams,
        grams=action.grams,
        coins=action.coins,
        breakdown=breakdown,
    )


def transfer_out(
    transfer: Transfer, wallet_id: int, found: Counterparts, registry: Registry, lang: Lang
) -> TransferOut:
    sign = 1 if transfer.credit_account_id == wallet_id else -1
    return TransferOut(
        id=transfer.id,
        kind=transfer.kind,
        amount=sign * transfer.amount,
        reference=transfer.reference,
        counterpart=counterpart(transfer, wallet_id, found, registry, lang),
        created_at=transfer.created_at,
    )


def counterpart(
    transfer: Transfer, wallet_id: int, found: Counterparts, registry: Registry, lang: Lang
) -> Counterpart:
    """What ``transfer`` was for, named in ``lang``."""
    original = found.reversed.get(transfer.reverses_id) if transfer.reverses_id else None
    if original is not None:
        undone = counterpart(original, wallet_id, found, registry, lang)
        prefix = lang.pick("退款", "Refund") if original.kind == "charge" else lang.pick("撤销", "Reversed")
        return Counterpart(
            kind=undone.kind,
            name=f"{prefix} · {undone.name}",
            action_id=undone.action_id,
            offer_id=undone.offer_id,
        )
    action_id = referenced_id(transfer.reference, "action:")
    if action_id is not None and action_id in found.actions:
        title, size = action_title(found.actions[action_id], registry, lang)
        return Counterpart(kind="action", name=f"{title} {size}" if size else title, action_id=action_id)
    offer_id = referenced_id(transfer.reference, "offer:")
    if offer_id is not None and offer_id in found.offers:
        merchant, title_zh, title_en = found.offers[offer_id]
        title = lang.pick(title_zh, title_en or title_zh)
        return Counterpart(kind="offer", name=f"{merchant} · {title}", offer_id=offer_id)
    other = (
        transfer.debit_account_id if transfer.credit_account_id == wallet_id else transfer.credit_account_id
    )
    if other in found.merchants:
        return Counterpart(kind="merchant", name=found.merchants[other])
    return Counterpart(
        kind=_KINDS.get(transfer.kind, "city"), name=lang.pick(*_NAMES.get(transfer.kind, _CITY))
    )


_CITY = ("碳普惠平台", "Carbon-inclusive platform")
_KINDS = {"expiry": "expiry", "demo_credit": "city", "credit": "action", "donation": "welfare_project"}
_NAMES: dict[str, tuple[str, str]] = {
    "expiry": ("碳币过期", "Coins expired"),
    "demo_credit": ("演示赠送碳币", "Demo welcome coins"),
    "credit": ("减排奖励", "Reward for a low-carbon action"),
    "donation": ("公益捐赠", "Donation to a public-welfare project"),
}
