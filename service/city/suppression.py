"""k-anonymity for published groups: small groups are suppressed, and so is what would give them away.

Primary: a group with fewer than k distinct participants is suppressed (never shown as a number).
Complementary: grams, actions and coins add up, so a line of groups whose sum is published elsewhere
(the response's total for a one-dimension grouping; the coarser grouping's group for each line of a
finer one, e.g. one month across methodologies) must not have exactly one suppressed group, or the
total minus the others would recover it. In such a line the smallest other group is suppressed too,
repeated until no line has exactly one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

PRIMARY = "fewer_than_k"
COMPLEMENT = "complement"


@dataclass
class Cell:
    key: dict[str, Any]
    grams: int
    actions: int
    coins: int
    participants: int
    suppressed: str | None = None  # why: PRIMARY or COMPLEMENT

    def public(self) -> dict[str, Any]:
        hidden = self.suppressed is not None
        values = {
            name: None if hidden else getattr(self, name)
            for name in ("grams", "actions", "coins", "participants")
        }
        return self.key | {"suppressed": hidden} | values


def suppress(cells: list[Cell], dims: list[str], k: int, total: Cell) -> None:
    for cell in [*cells, total]:
        if cell.participants < k:
            cell.suppressed = PRIMARY
    changed = True
    while changed:
        changed = False
        for line in _lines(cells, dims):
            hidden = [c for c in line if c.suppressed]
            if len(hidden) == 1 and len(line) > 1:
                shown = [c for c in line if not c.suppressed]
                smallest = min(shown, key=lambda c: (c.grams, c.actions, sorted(c.key.items())))
                smallest.suppressed = COMPLEMENT
                changed = True


def _lines(cells: list[Cell], dims: list[str]) -> list[list[Cell]]:
    """For each dimension, the groups that agree on every other dimension (one line each)."""
    lines: list[list[Cell]] = []
    for along in dims:
        by_rest: dict[tuple[Any, ...], list[Cell]] = defaultdict(list)
        for cell in cells:
            by_rest[tuple(cell.key[d] for d in dims if d != along)].append(cell)
        lines += by_rest.values()
    return lines
