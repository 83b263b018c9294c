"""Caps: counters per resident (or per asset) and period, checked and advanced by the credit path.

A counter's key names the methodology, the cap, its scope and its period (the resident's local day or month),
so "10 bus trips a day" and "8 car-free days a month per vehicle" are the same mechanism. Amounts are kept in
millionths (exact integers: a kWh cap of 120 with readings to 0.000001 kWh).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from methodologies._sdk import Cap, Exclusive

MICRO = Decimal(1_000_000)


@dataclass
class CapOutcome:
    grams: int
    reasons: list[str] = field(default_factory=list)
    increments: dict[str, int] = field(default_factory=dict)  # counter key -> micro-units to add
    applied: list[dict[str, Any]] = field(default_factory=list)  # what each cap saw, for the breakdown


def counter_key(methodology_id: str, cap: Cap, resident_id: int, local_day: dt.date) -> str | None:
    """None for per-action caps (no counter)."""
    if cap.period == "action":
        return None
    scope = (
        cap.scope
        if not cap.per_resident
        else f"r{resident_id}" + ("" if cap.scope == "resident" else f":{cap.scope}")
    )
    return f"{methodology_id}:{cap.reason}:{cap.measure}:{scope}:{period_of(cap.period, local_day)}"


def period_of(period: str, local_day: dt.date) -> str:
    """The name of the ``day``, ``month`` or ``year`` that holds ``local_day``."""
    if period == "day":
        return local_day.isoformat()
    if period == "month":
        return local_day.strftime("%Y-%m")
    if period == "year":
        return local_day.strftime("%Y")
    raise ValueError(f"unknown cap period {period!r}")


def exclusive_keys(group: Exclusive, resident_id: int, local_day: dt.date) -> dict[str, str]:
    """Member -> the counter of grams that member's actions are worth in the resident's period."""
    period = period_of(group.period, local_day)
    return {m: f"exclusive:{group.group}:r{resident_id}:{period}:{m}" for m in group.members}


def to_micro(value: Decimal | int) -> int:
    return int((Decimal(value) * MICRO).to_integral_value(rounding=ROUND_FLOOR))


def apply_caps(caps: list[tuple[Cap, str | None]], grams: int, used_micro: dict[str, int]) -> CapOutcome:
    """Check ``caps`` (each with its counter key) against what is used; clip or reject.

    Caps that reject are checked first; then caps that clip grams credit what is left under their limit.
    An action that ends with nothing left under a clipping cap is rejected with that cap's reason.
    """
    outcome = CapOutcome(grams=grams)
    for cap, key in sorted(caps, key=lambda c: c[0].clip):
        used = Decimal(used_micro.get(key, 0)) / MICRO if key else Decimal(0)
        amount = Decimal(outcome.grams) if cap.measure == "grams" else (cap.amount or Decimal(0))
        outcome.applied.append(
            {
                "reason": cap.reason,
                "measure": cap.measure,
                "period": cap.period,
                "limit": str(cap.limit),
                "used_before": str(used),
                "amount": str(amount),
                "clip": cap.clip,
            }
        )
        if used + amount <= cap.limit:
            continue
        if cap.clip and cap.measure == "grams" and used < cap.limit:
            outcome.grams = int((cap.limit - used).to_integral_value(rounding=ROUND_FLOOR))
            outcome.applied[-1]["clipped_to"] = outcome.grams
            continue
        outcome.reasons.append(cap.reason)
    if outcome.reasons:
        outcome.grams = 0
        return outcome
    for cap, key in caps:
        if key is not None:
            amount = Decimal(outcome.grams) if cap.measure == "grams" else (cap.amount or Decimal(0))
            outcome.increments[key] = outcome.increments.get(key, 0) + to_micro(amount)
    return outcome


def apply_exclusive(
    groups: list[tuple[Exclusive, dict[str, str]]], outcome: CapOutcome, used_micro: dict[str, int]
) -> CapOutcome:
    """Credit what the largest member total of each group grows by, not the action's own grams.

    The action's grams (after its caps) are added to its member's total, whatever is credited, so the
    period ends up credited max(member totals) in any order of arrival (methodologies.md: no double
    counting). Nothing changes for an action its caps refused.
    """
    if outcome.reasons:
        return outcome
    counted = outcome.grams
    for group, keys in groups:
        totals = {m: Decimal(used_micro.get(key, 0)) / MICRO for m, key in keys.items()}
        before = max(totals.values(), default=Decimal(0))
        after = max(before, totals[group.member] + counted)
        credited = int((after - before).to_integral_value(rounding=ROUND_FLOOR))
        outcome.grams = min(outcome.grams, credited)
        key = keys[group.member]
        outcome.increments[key] = outcome.increments.get(key, 0) + to_micro(counted)
        outcome.applied.append(
            {
                "reason": group.reason,
                "exclusive": group.group,
                "member": group.member,
                "period": group.period,
                "totals_before": {m: str(v) for m, v in sorted(totals.items())},
                "amount": str(counted),
                "credited": credited,
            }
        )
    return outcome
