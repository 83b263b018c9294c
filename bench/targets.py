"""Issue 14's ratios and targets, formed from one run's figures; and the checks a figure must pass to count."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PACED_RATE = 2_000  # events/s offered in the paced credit run


def ratio(value: float | None, ceiling: float | None) -> float | None:
    if value is None or not ceiling:
        return None
    return round(value / ceiling, 3)


def dig(tree: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if not isinstance(tree, dict) or tree.get(key) is None:
            return None
        tree = tree[key]
    return tree


def ratios_of(figures: dict[str, Any], ceilings: dict[str, Any]) -> dict[str, float | None]:
    healthz, tps = ceilings.get("healthz_rps"), ceilings.get("pgbench_tps")
    rps = "requests_per_second"
    found: dict[str, float | None] = {}
    if "reads" in figures:
        found["me_wallet_to_healthz"] = ratio(dig(figures, "reads", "me_wallet", rps), healthz)
        found["me_to_healthz"] = ratio(dig(figures, "reads", "me", rps), healthz)
    for name in ("methodologies", "offers"):
        if "lists" in figures:
            found[f"{name}_to_healthz"] = ratio(dig(figures, "lists", name, "plain", rps), healthz)
            found[f"{name}_304_to_healthz"] = ratio(
                dig(figures, "lists", name, "if_none_match", rps), healthz
            )
    if "credit" in figures:
        # Roll-ups included: the fold of what the log still held after the last credit counts in the time.
        credited = dig(figures, "credit", "unpaced", "credited_per_second_rollups_included")
        found["credited_to_pgbench"] = ratio(credited, tps)
    if "redeem" in figures:
        found["redemptions_to_pgbench"] = ratio(dig(figures, "redeem", "redemptions_per_second"), tps)
    return found


@dataclass(frozen=True)
class Target:
    """Issue 14's targets: ``value`` picks the figure, ``op`` compares it with ``bound``."""

    op: str
    bound: float
    value: Callable[[dict[str, Any], dict[str, Any]], Any]  # (figures, ratios) -> value or None


COMPARE = {">=": lambda v, b: v >= b, "<": lambda v, b: v < b, "<=": lambda v, b: v <= b}
TARGETS = {
    "me_wallet_ratio": Target(">=", 0.35, lambda f, r: r.get("me_wallet_to_healthz")),
    "me_wallet_p99_ms": Target("<", 10, lambda f, r: dig(f, "reads", "me_wallet", "p99_ms")),
    "me_ratio": Target(">=", 0.35, lambda f, r: r.get("me_to_healthz")),
    "me_p99_ms": Target("<", 10, lambda f, r: dig(f, "reads", "me", "p99_ms")),
    "methodologies_ratio": Target(">=", 0.5, lambda f, r: r.get("methodologies_to_healthz")),
    "methodologies_304_ratio": Target(">=", 0.5, lambda f, r: r.get("methodologies_304_to_healthz")),
    "offers_ratio": Target(">=", 0.5, lambda f, r: r.get("offers_to_healthz")),
    "offers_304_ratio": Target(">=", 0.5, lambda f, r: r.get("offers_304_to_healthz")),
    "credited_ratio": Target(">=", 0.6, lambda f, r: r.get("credited_to_pgbench")),
    "paced_receipt_to_credited_p99_s": Target(
        "<", 1, lambda f, r: dig(f, "credit", f"paced_{PACED_RATE}", "receipt_to_final_p99_seconds")
    ),
    "redemptions_ratio": Target(">=", 0.5, lambda f, r: r.get("redemptions_to_pgbench")),
    "redeem_p99_ms": Target("<", 50, lambda f, r: dig(f, "redeem", "latency_p99_ms")),
    "sqlite_credited_per_second": Target(
        ">=", 500, lambda f, r: dig(f, "embedded", "credit", "credited_per_second")
    ),
    "demo_ready_seconds": Target("<=", 20, lambda f, r: dig(f, "embedded", "demo", "ready_seconds")),
}


def targets_of(figures: dict[str, Any], ratios: dict[str, Any]) -> dict[str, Any]:
    """Each target whose figure this run measured: the bound, the value, and whether it was met."""
    found = {}
    for name, target in TARGETS.items():
        value = target.value(figures, ratios)
        if value is None:
            continue
        met = COMPARE[target.op](value, target.bound)
        found[name] = {"target": f"{target.op} {target.bound:g}", "value": value, "met": met}
    return found


def checks_of(figures: dict[str, Any]) -> dict[str, Any]:
    """Correctness that must hold for a figure to count: every event credited, no oversell, books verify."""
    found: dict[str, Any] = {}
    for run in ("unpaced", f"paced_{PACED_RATE}"):
        if dig(figures, "credit", run) is not None:
            credit = figures["credit"][run]
            found[f"credit_{run}_all_credited"] = credit["statuses"] == {"credited": credit["events"]}
            found[f"credit_{run}_ledger_verify"] = credit["ledger_verify"] == "ok"
    if "redeem" in figures:
        found["redeem_no_oversell"] = not figures["redeem"]["oversold"]
        found["redeem_ledger_verify"] = figures["redeem"]["ledger_verify"] == "ok"
    if dig(figures, "embedded", "credit") is not None:
        credit = figures["embedded"]["credit"]
        found["sqlite_all_credited"] = credit["statuses"] == {"credited": credit["events"]}
    return found
