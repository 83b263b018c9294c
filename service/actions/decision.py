"""One decision, made the same way when an action is recorded and when it is replayed.

``facts`` is everything from outside the evidence the decision used: the time of checking, the reported
occurrence time, the registered asset, the previous reading, overlapping actions, claimed evidence and cap
usage. It is stored on the action as its context, so a replay decides from the very same facts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from methodologies._sdk import Context, Methodology, Params, Quantity, Verdict
from service.actions.caps import CapOutcome, apply_caps, apply_exclusive, counter_key, exclusive_keys

# How far the reported occurrence time may be from the time the evidence itself shows.
OCCURRED_AT_TOLERANCE = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    quantity: Quantity
    caps: CapOutcome

    @property
    def accepted(self) -> bool:
        return self.verdict.accepted

    @property
    def credited_grams(self) -> int:
        return self.caps.grams if self.verdict.accepted else 0

    def breakdown(self) -> dict[str, Any]:
        return {**self.quantity.breakdown(), "caps": self.caps.applied, "credited_grams": self.credited_grams}


def decide(
    methodology: Methodology,
    evidence: Any,
    params: Params,
    facts: dict[str, Any],
    zone: ZoneInfo,
    resident_id: int,
) -> Decision:
    context = Context(
        now=dt.datetime.fromisoformat(facts["now"]),
        zone=zone,
        asset=facts.get("asset"),
        asset_source=facts.get("asset_source"),
        previous=facts.get("previous"),
        overlapping=tuple(facts.get("overlapping", [])),
        extra=facts.get("derived", {}),
    )
    reasons = list(methodology.verify(evidence, params, context).reasons)
    occurred = methodology.occurred_at(evidence)
    reported = facts.get("reported_at")
    if reported and abs(dt.datetime.fromisoformat(reported) - occurred) > OCCURRED_AT_TOLERANCE:
        reasons.append("occurred_at_mismatch")
    reasons += [code for code in facts.get("service_reasons", []) if code not in reasons]
    quantity = methodology.quantify(evidence, params)
    local_day = occurred.astimezone(zone).date()
    keyed = [
        (cap, counter_key(methodology.id, cap, resident_id, local_day))
        for cap in methodology.caps(evidence, params)
    ]
    usage = facts.get("cap_usage", {})
    caps = apply_caps(keyed, quantity.grams, usage)
    if reasons:
        caps = CapOutcome(grams=0, applied=caps.applied)
    else:
        groups = [
            (g, exclusive_keys(g, resident_id, local_day)) for g in methodology.exclusive(evidence, params)
        ]
        caps = apply_exclusive(groups, caps, usage)
    return Decision(Verdict.of(reasons + caps.reasons), quantity, caps)


def cap_counter_keys(
    methodology: Methodology, evidence: Any, params: Params, resident_id: int, zone: ZoneInfo
) -> list[str]:
    local_day = methodology.occurred_at(evidence).astimezone(zone).date()
    keys = [
        counter_key(methodology.id, cap, resident_id, local_day) for cap in methodology.caps(evidence, params)
    ]
    for group in methodology.exclusive(evidence, params):
        keys += exclusive_keys(group, resident_id, local_day).values()
    return [key for key in keys if key is not None]
