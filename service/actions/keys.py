"""``tanbi ledger verify``'s checks of the credit path's replay guards across months, and of the references
the database no longer holds with a foreign key (the Citus plan: service/db/distribution.py).

``actions`` and ``partner_events`` are partitioned by month (service/db/partitions.py), so the uniqueness
that stops a report from being credited twice lives in key tables: ``action_keys`` (source key, credit
transfer) and ``partner_event_keys`` (a partner's event id). A key table that disagreed with its rows would
let a duplicate through unseen; this check proves they agree, row for row.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.carry import carry_chain
from service.actions.models import Action, ActionKey, ActionSource
from service.db.distribution import UNENFORCED
from service.ledger.verify import Check, record, record_disagreements
from service.partners.models import PartnerEvent, PartnerEventKey


async def replay_guards_hold(session: AsyncSession) -> Check:
    check = Check(
        "replay_guards_hold",
        "action_keys, action_sources and partner_event_keys hold every action's and event's keys",
    )
    await _actions_match_keys(session, check)
    await _events_match_keys(session, check)
    return check


async def _actions_match_keys(session: AsyncSession, check: Check) -> None:
    same = sa.and_(
        ActionKey.action_id == Action.id,
        ActionKey.resident_id == Action.resident_id,
        ActionKey.transfer_id.is_not_distinct_from(Action.transfer_id),
    )
    await record_disagreements(
        session,
        check,
        same,
        rows=(Action.id, Action.transfer_id),
        keys=(ActionKey.action_id, ActionKey.transfer_id),
        missing="action {0}: action_keys lacks it with its resident and credit transfer {1}",
        stray="action_keys {0}: no action {0} with this resident and credit transfer {1}",
    )
    named = sa.and_(ActionSource.action_id == Action.id, ActionSource.source_key == Action.source_key)
    await record_disagreements(
        session,
        check,
        named,
        rows=(Action.id, Action.source_key),
        keys=(ActionSource.action_id, ActionSource.source_key),
        missing="action {0}: action_sources lacks its source key {1!r} as it stands",
        stray="action_sources {1!r}: action {0} does not stand so",
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


async def references_resolve(session: AsyncSession) -> Check:
    check = Check(
        "references_resolve",
        "every reference without a foreign key (the Citus plan gives those up) names a stored row",
    )
    # One statement, one round trip: ledger verify runs after every test of the suite.
    selects = [
        f"SELECT '{table}.{column}', '{referred}', '{key}', t.{column} FROM {table} t "  # noqa: S608  (constants)
        f"WHERE t.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {referred} r WHERE r.{key} = t.{column})"
        for table, column, referred, key in UNENFORCED
    ]
    dangling = sa.text(" UNION ALL ".join(selects) + " ORDER BY 1, 4")
    for where, referred, key, value in await session.execute(dangling):
        record(check, f"{where} = {value}: no {referred} row has {key} {value}")
    return check


# What ``tanbi ledger verify`` checks of the credit path beside the ledger's own checks.
CREDIT_PATH_CHECKS = (carry_chain, replay_guards_hold, references_resolve)
