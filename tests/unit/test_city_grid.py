"""The publication grid's suppression: no published equation, alone or combined, pins a hidden cell."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from service.city.grid import PRIMARY, Cell, Relation, build, determined, relations, suppress

FAMILIES = {"bus_trip": "public_transport", "metro_trip": "public_transport", "e_invoice": "paperless"}
DAYS = [dt.date(2026, 10, 27) + dt.timedelta(days=n) for n in range(10)]  # crosses a month and a week


def _rank(rows: list[list[Fraction]]) -> int:
    rows = [r[:] for r in rows]
    rank, width = 0, len(rows[0]) if rows else 0
    for column in range(width):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][column] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][column] != 0:
                factor = rows[i][column] / rows[rank][column]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def _determined_by_fractions(cells: dict, found: list[Relation]) -> set:  # type: ignore[type-arg]
    """The same question answered the slow, obvious way: is e_x in the row space of the equations?"""
    hidden = sorted(k for k, c in cells.items() if c.suppressed)
    column = {k: i for i, k in enumerate(hidden)}
    rows = []
    for relation in found:
        row = [Fraction(0)] * len(hidden)
        for member, sign in ((relation.parent, 1), *((p, -1) for p in relation.parts)):
            if member in column:
                row[column[member]] = Fraction(sign)
        if any(row):
            rows.append(row)
    base = _rank(rows) if rows else 0
    out = set()
    for key in hidden:
        unit = [Fraction(int(column[key] == i)) for i in range(len(hidden))]
        if _rank([*rows, unit]) == base:
            out.add(key)
    return out


def test_one_hidden_part_is_determined_two_are_not() -> None:
    cells = {k: Cell(actions=1) for k in ("p", "a", "b")}
    found = [Relation("p", ("a", "b"))]  # type: ignore[arg-type]
    cells["a"].suppressed = PRIMARY
    assert determined(cells, found) == {"a"}  # type: ignore[comparison-overlap]
    cells["b"].suppressed = PRIMARY
    assert determined(cells, found) == set()


def test_a_hidden_bridge_between_two_hidden_cycles_is_determined() -> None:
    """Rows r1..r4 x columns c1..c4 with both margins published: two 2x2 hidden blocks joined by one
    hidden cell. Every line holds two hidden cells, yet the joining cell is pinned."""
    grid = {(r, c): Cell(actions=1) for r in range(4) for c in range(4)}
    hidden = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (0, 2)]
    found = [Relation(("row", r), tuple((r, c) for c in range(4))) for r in range(4)]  # type: ignore[arg-type]
    found += [Relation(("col", c), tuple((r, c) for r in range(4))) for c in range(4)]  # type: ignore[arg-type]
    cells = (
        dict(grid)
        | {("row", r): Cell(actions=4) for r in range(4)}
        | {("col", c): Cell(actions=4) for c in range(4)}
    )
    for key in hidden:
        cells[key].suppressed = PRIMARY
    assert determined(cells, found) == _determined_by_fractions(cells, found) == {(0, 2)}  # type: ignore[arg-type]


counter = st.tuples(
    st.sampled_from(DAYS),
    st.sampled_from(sorted(FAMILIES)),
    st.sampled_from(["chashan", "ganlu", "zequan"]),
    st.integers(1, 5000),
    st.integers(1, 30),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(counter, min_size=1, max_size=12), st.integers(2, 12), st.randoms(use_true_random=False))
def test_suppression_leaves_nothing_determined(rows, k, rng) -> None:  # type: ignore[no-untyped-def]
    merged: dict = {}  # type: ignore[type-arg]
    for day, methodology, district, grams, actions in rows:
        merged[(day, methodology, district)] = (grams, actions)
    counters = [(d, m, w, g, a, a) for (d, m, w), (g, a) in merged.items()]
    cells = build(counters, {}, FAMILIES)
    for cell in cells.values():
        cell.participants = rng.randint(max(1, cell.actions // 4), cell.actions)  # people <= actions
    found = relations(cells, FAMILIES)
    suppress(cells, found, k)

    assert all(c.suppressed for c in cells.values() if c.participants < k)
    for relation in found:
        assert sum(1 for m in relation.members if cells[m].suppressed) != 1, relation
    assert determined(cells, found) == set()
    if sum(1 for c in cells.values() if c.suppressed) <= 40:  # the slow check, where it is quick enough
        assert _determined_by_fractions(cells, found) == set()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=14))
def test_the_modular_check_agrees_with_fractions(hidden) -> None:  # type: ignore[no-untyped-def]
    grid = {(r, c): Cell(actions=1) for r in range(6) for c in range(6)}
    found = [Relation(("row", r), tuple((r, c) for c in range(6))) for r in range(6)]  # type: ignore[arg-type]
    found += [Relation(("col", c), tuple((r, c) for r in range(6))) for c in range(6)]  # type: ignore[arg-type]
    cells = dict(grid) | {(kind, n): Cell(actions=6) for kind in ("row", "col") for n in range(6)}
    for key in hidden:
        cells[key].suppressed = PRIMARY
    assert determined(cells, found) == _determined_by_fractions(cells, found)  # type: ignore[arg-type]
