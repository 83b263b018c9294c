"""Helpers the methodologies' own tests share."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from service.actions.caps import counter_key
from service.actions.decision import Decision, decide

ZONE = ZoneInfo("Asia/Shanghai")


def credit_in_order(methodology: Any, reports: list[dict[str, Any]], now: dt.datetime) -> list[Decision]:
    """The service's own decision for each report of one resident in turn, with its claims and counters kept
    in memory (what ActionService stores between two reports)."""
    claimed: set[str] = set()
    used: dict[str, int] = {}
    decisions = []
    params = methodology.Params()
    for report in reports:
        evidence = methodology.Evidence.model_validate(report)
        keys = [c.key for c in methodology.claims(evidence)]
        local_day = methodology.occurred_at(evidence).astimezone(ZONE).date()
        counters = [counter_key(methodology.id, c, 1, local_day) for c in methodology.caps(evidence, params)]
        facts = {
            "now": now.isoformat(),
            "service_reasons": [c.reason for c in methodology.claims(evidence) if c.key in claimed],
            "cap_usage": {k: used[k] for k in counters if k in used},
        }
        decision = decide(methodology, evidence, params, facts, ZONE, 1)
        if decision.accepted:
            claimed.update(keys)
            for key, amount in decision.caps.increments.items():
                used[key] = used.get(key, 0) + amount
        decisions.append(decision)
    return decisions


def readme_parameters(readme: str) -> list[tuple[str, ...]]:
    """The rows of the README's parameter table: (name, value, unit, source, year)."""
    section = readme.split("## Parameters", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| (.*?) \| (.*?) \| (.*) \| (\d{4}) \|$", section, flags=re.MULTILINE)
    return [tuple(row) for row in rows]
