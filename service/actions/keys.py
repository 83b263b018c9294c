"""``tanbi ledger verify``'s check of the credit path's replay guards across months.

``actions`` and ``partner_events`` are partitioned by month (service/db/partitions.py), so the uniqueness
that stops a report from being credited twice lives in key tables: ``action_keys`` (source key, credit
transfer) and ``partner_event_keys`` (a partner's event id). A key table that disagreed with its rows would
let a duplicate through unseen; this check proves they agree, row for row.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.carry import carry_chain
from service.actions.models import Action, ActionKey
from service.ledger.verify import Check, record
from service.partners.models import PartnerEvent, PartnerEventKey


async def replay_guards_hold(session: AsyncSession) -> Check:
    check = Check(
        "replay_guards_hold", "action_keys and partner_event_keys hold every action's and event's key"
    )
    await _actions_match_keys(session, check)
    await _events_match_keys(session, check)
    return check


async def _actions_match_keys(session: AsyncSession, check: Check) -> None:
    same = sa.and_(
        ActionKey.action_id == Action.id,
        ActionKey.source_key == Action.source_key,
        ActionKey.transfer_id.is_not_distinct_from(Action.transfer_id),
    )
    missing = (
        sa.select(Action.id, Action.source_key)
        .outerjoin(ActionKey, same)
        .where(ActionKey.action_id.is_(None))
    )
    for action_id, source_key in await session.execute(missing.order_by(Action.id)):
        record(check, f"action {action_id}: action_keys lacks its source key {source_key!r} as it stands")
    stray = (
        sa.select(ActionKey.source_key, ActionKey.action_id)
        .outerjoin(Action, same)
        .where(Action.id.is_(None))
    )
    for source_key, action_id in await session.execute(stray.order_by(ActionKey.action_id)):
        record(check, f"action_keys {source_key!r}: action {action_id} does not stand so")


async def _events_match_keys(session: AsyncSession, check: Check) -> None:
    key = PartnerEventKey
    same = sa.and_(
        key.partner_event_id == PartnerEvent.id,
        key.partner_id == PartnerEvent.partner_id,
        key.event_id == PartnerEvent.event_id,
    )
    missing = (
        sa.select(PartnerEvent.id, PartnerEvent.event_id).outerjoin(key, same).where(key.event_id.is_(None))
    )
    for event_row, event_id in await session.execute(missing.order_by(PartnerEvent.id)):
        record(check, f"partner event {event_row}: partner_event_keys lacks its id {event_id!r}")
    stray = (
        sa.select(key.event_id, key.partner_event_id)
        .outerjoin(PartnerEvent, same)
        .where(PartnerEvent.id.is_(None))
    )
    for event_id, event_row in await session.execute(stray.order_by(key.partner_event_id)):
        record(check, f"partner_event_keys {event_id!r}: no partner event {event_row} under it")


# What ``tanbi ledger verify`` checks of the credit path beside the ledger's own checks.
CREDIT_PATH_CHECKS = (carry_chain, replay_guards_hold)
