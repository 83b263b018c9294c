"""The city's publication grid, and which of its cells are suppressed.

The city reads cells of one fixed grid, never sums over arbitrary ranges: a cell is a calendar period
(a day, a month, a year or all time) x a district or all districts x a methodology, a family or all of
them. Grams, actions and coins add up along three hierarchies, so a cell is also the sum of its parts in
each:

- time: all time = its years, a year = its months, a month = its days;
- district: all districts = each district;
- scenario: all methodologies = each family, a family = each of its methodologies.

Each such equation (a parent and its parts) is a *relation*. Suppression is decided once for the whole
grid, so a cell is hidden in every answer or in none:

1. primary: a cell with fewer than k participants is hidden;
2. complementary: a relation with exactly one hidden member would give it away (the parent minus the other
   parts), so the smallest shown part of such a relation is hidden too (or, if it has no other part, the
   parent), until no relation has exactly one.

ISO weeks are not in the grid: a week straddling two months ties the months' days together, and with
weeks the exact check below found dozens of hidden days pinned by a week and its two months together on
every pass (a 20,000-action city took 32 passes and 150 s to publish; without weeks, one pass and 0.9 s).

Along one hierarchy this is enough: every hidden cell then lies on a chain of hidden cells that leaves both
ways to cells no equation pins, so there is a second solution of all the published equations in which it
differs. Where the hierarchies cross, :func:`determined` checks the whole system exactly and the publisher
hides more until nothing is determined (docs/privacy.md).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from service.city.models import ALL, FAMILY, family_key
from service.city.periods import EPOCH, periods, start

PRIMARY = "fewer_than_k"
COMPLEMENT = "complement"
UNKNOWN_FAMILY = "unknown"

Key = tuple[str, dt.date, str, str]  # kind, period start, district, scenario


@dataclass
class Cell:
    grams: int = 0
    actions: int = 0
    coins: int = 0
    participants: int = 0
    suppressed: str | None = None


@dataclass(frozen=True)
class Relation:
    parent: Key
    parts: tuple[Key, ...]

    @property
    def members(self) -> tuple[Key, ...]:
        return (self.parent, *self.parts)


GRID_KINDS = ("d", "m", "y", "a")


def build(
    counters: Iterable[tuple[dt.date, str, str, int, int, int]],
    participants: Mapping[Key, int],
    families: Mapping[str, str],
) -> dict[Key, Cell]:
    """Every cell with actions, from per day x methodology x district counters (summed over shards)."""
    cells: dict[Key, Cell] = defaultdict(Cell)
    for day, methodology, district, grams, actions, coins in counters:
        scenarios = (methodology, family_key(families.get(methodology, UNKNOWN_FAMILY)), ALL)
        for kind, period in periods(day).items():
            if kind not in GRID_KINDS:
                continue
            for scenario in scenarios:
                for where in (district, ALL):
                    cell = cells[(kind, period, where, scenario)]
                    cell.grams += grams
                    cell.actions += actions
                    cell.coins += coins
    out = {key: cell for key, cell in cells.items() if cell.actions}
    for key, cell in out.items():
        cell.participants = participants.get(key, 0)
    return out


def relations(cells: Mapping[Key, Cell], families: Mapping[str, str]) -> list[Relation]:
    """Every parent = sum of parts equation among ``cells`` (absent parts are known zeros)."""
    parts: dict[tuple[Key, str], list[Key]] = defaultdict(list)
    for key in cells:
        for parent, along in _parents(key, families):
            parts[(parent, along)].append(key)
    return [Relation(parent, tuple(sorted(found))) for (parent, _), found in sorted(parts.items())]


def _parents(key: Key, families: Mapping[str, str]) -> list[tuple[Key, str]]:
    kind, period, district, scenario = key
    out: list[tuple[Key, str]] = []
    if kind == "d":
        out.append((("m", start("m", period), district, scenario), "time"))
    elif kind == "m":
        out.append((("y", start("y", period), district, scenario), "time"))
    elif kind == "y":
        out.append((("a", EPOCH, district, scenario), "time"))
    if district != ALL:
        out.append(((kind, period, ALL, scenario), "district"))
    if scenario.startswith(FAMILY):
        out.append(((kind, period, district, ALL), "scenario"))
    elif scenario != ALL:
        family = family_key(families.get(scenario, UNKNOWN_FAMILY))
        out.append(((kind, period, district, family), "scenario"))
    return out


def suppress(cells: Mapping[Key, Cell], found: list[Relation], k: int) -> None:
    """Mark primary and complementary suppressions on ``cells`` (see the module's docstring), then hide
    more wherever the relations together still determine a hidden cell."""
    of: dict[Key, list[Relation]] = defaultdict(list)
    for relation in found:
        for member in relation.members:
            of[member].append(relation)
    newly = [key for key, cell in cells.items() if cell.participants < k]
    for key in newly:
        cells[key].suppressed = PRIMARY
    while newly:
        _complete(cells, [r for key in newly for r in of[key]], of)
        widened = (_widen(cells, key, of) for key in sorted(determined(cells, found)))
        newly = [key for key in widened if key is not None]


def _complete(cells: Mapping[Key, Cell], pending: list[Relation], of: Mapping[Key, list[Relation]]) -> None:
    """Hide complements until no relation has exactly one hidden member."""
    while pending:
        relation = pending.pop()
        if sum(1 for m in relation.members if cells[m].suppressed) != 1:
            continue
        chosen = complement(cells, relation)
        cells[chosen].suppressed = COMPLEMENT
        pending += of[chosen]


def _widen(cells: Mapping[Key, Cell], key: Key, of: Mapping[Key, list[Relation]]) -> Key | None:
    """Hide one more cell near a determined one: the smallest shown member of its relations, or of the
    relations of the hidden cells around it, nearest first. None when an earlier widening hid everything
    it is connected to: with every value it is tied to unknown (and none zero), nothing pins it now."""
    seen, frontier = {key}, [key]
    while frontier:
        members = {m for k in frontier for r in of[k] for m in r.members} - seen
        shown = [m for m in members if not cells[m].suppressed]
        if shown:
            chosen = min(shown, key=lambda p: (cells[p].actions, cells[p].grams, p))
            cells[chosen].suppressed = COMPLEMENT
            return chosen
        seen |= members
        frontier = sorted(members)
    return None


def complement(cells: Mapping[Key, Cell], relation: Relation) -> Key:
    """The cell to hide next to a relation's one hidden member: its smallest shown part, else the parent."""
    shown = [p for p in relation.parts if not cells[p].suppressed]
    if not shown:
        return relation.parent
    return min(shown, key=lambda p: (cells[p].actions, cells[p].grams, p))


PRIME = (1 << 61) - 1  # arithmetic modulo a large prime: exact ranks without fractions growing


def determined(cells: Mapping[Key, Cell], found: list[Relation]) -> set[Key]:
    """Hidden cells whose value follows from the published cells through the relations.

    Each relation with a hidden member is an equation in the hidden values (the shown ones are known).
    A hidden value is determined exactly when, in the reduced row echelon form of those equations, its
    pivot row holds no other unknown.
    """
    index: dict[Key, int] = {}
    pivots: dict[int, dict[int, int]] = {}  # pivot column -> its row, reduced against the other pivots
    holding: dict[int, set[int]] = defaultdict(set)  # column -> pivot rows that hold it
    for relation in found:
        row: dict[int, int] = {}
        for member, sign in ((relation.parent, 1), *((p, PRIME - 1) for p in relation.parts)):
            if cells[member].suppressed:
                row[index.setdefault(member, len(index))] = sign
        if row:
            _add_row(row, pivots, holding)
    names = {column: key for key, column in index.items()}
    return {names[column] for column, row in pivots.items() if len(row) == 1}


def _add_row(row: dict[int, int], pivots: dict[int, dict[int, int]], holding: dict[int, set[int]]) -> None:
    for column in [c for c in row if c in pivots]:
        factor = row.get(column, 0)
        if factor:
            _subtract(row, pivots[column], factor)
    if not row:
        return
    pivot = min(row)
    scale = pow(row[pivot], PRIME - 2, PRIME)
    row = {c: v * scale % PRIME for c, v in row.items()}
    for other in list(holding[pivot]):
        target = pivots[other]
        factor = target[pivot]
        for column in target:
            holding[column].discard(other)
        _subtract(target, row, factor)
        for column in target:
            holding[column].add(other)
    pivots[pivot] = row
    for column in row:
        holding[column].add(pivot)


def _subtract(target: dict[int, int], row: dict[int, int], factor: int) -> None:
    """target -= factor x row (mod PRIME), dropping zeros."""
    for column, value in row.items():
        updated = (target.get(column, 0) - factor * value) % PRIME
        if updated:
            target[column] = updated
        else:
            target.pop(column, None)
