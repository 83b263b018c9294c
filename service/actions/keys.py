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
from service.ledger.verify import Check, record_disagreements
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
    await record_disagreements(
        session,
        check,
        same,
        rows=(Action.id, Action.source_key),
        keys=(ActionKey.action_id, ActionKey.source_key),
        missing="action {0}: action_keys lacks its source key {1!r} as it stands",
        stray="action_keys {1!r}: action {0} does not stand so",
    )


async def _events_match_keys(session: AsyncSession, check: Check) -> None:
    same = sa.and_(
        PartnerEventKey.partner_event_id == PartnerEvent.id,
        PartnerEventKey.partner_id == PartnerEvent.partner_id,
        PartnerEventKey.event_id == PartnerEvent.event_id,
    )
    await record_disagreements(
        session,
        check,
        same,
        rows=(PartnerEvent.id, PartnerEvent.event_id),
        keys=(PartnerEventKey.partner_event_id, PartnerEventKey.event_id),
        missing="partner event {0}: partner_event_keys lacks its id {1!r}",
        stray="partner_event_keys {1!r}: no partner event {0} under it",
    )


# What ``tanbi ledger verify`` checks of the credit path beside the ledger's own checks.
CREDIT_PATH_CHECKS = (carry_chain, replay_guards_hold)
