"""The units of a batch: the issue's worked example, and the invariants for any grams and share."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from service.registry.arithmetic import pool, units_to_cancel
from service.registry.holdings import carve


def test_the_worked_example() -> None:
    pooled = pool(1_234_567_890, Decimal("0.1"))
    assert pooled.units == 1_111
    assert pooled.carried_grams == 111_101
    assert pooled.net_grams == 1_111_111_101
    assert pooled.buffer_grams == 123_456_789
    assert pooled.buffer_units == 123
    assert pooled.carried_buffer_grams == 456_789


@given(
    st.integers(0, 10**13),
    st.decimals(min_value=0, max_value=Decimal("0.9999"), places=4),
    st.integers(0, 999_999),
    st.integers(0, 999_999),
)
def test_no_gram_is_lost_or_made(gross: int, share: Decimal, carried: int, carried_buffer: int) -> None:
    p = pool(gross, share, carried, carried_buffer)
    assert p.net_grams + p.buffer_grams == gross
    assert p.buffer_grams >= gross * share  # the buffer is rounded up, never down
    assert p.units * 1_000_000 + p.carried_grams == p.net_grams + carried
    assert p.buffer_units * 1_000_000 + p.carried_buffer_grams == p.buffer_grams + carried_buffer
    assert 0 <= p.carried_grams < 1_000_000
    assert 0 <= p.carried_buffer_grams < 1_000_000


@given(st.integers(0, 10**12))
def test_cancellation_covers_every_reversed_gram(grams: int) -> None:
    units = units_to_cancel(grams)
    assert units * 1_000_000 >= grams
    assert (units - 1) * 1_000_000 < grams or units == 0


@given(st.lists(st.integers(1, 50), min_size=1, max_size=8), st.data())
def test_carving_moves_exactly_the_units_from_the_lowest_serials(
    sizes: list[int], data: st.DataObject
) -> None:
    ranges, first = [], 1
    for size in sizes:
        ranges.append((first, first + size - 1))
        first += size + data.draw(st.integers(0, 3))  # blocks of one holder need not touch
    units = data.draw(st.integers(1, sum(sizes)))
    parts = carve(ranges, units)
    assert sum(m[1] - m[0] + 1 for m, _ in parts if m) == units
    kinds = []
    for (a, b), (moved, kept) in zip(ranges, parts, strict=True):
        if moved is None:
            assert kept is None
            kinds.append("untouched")
            continue
        assert moved[0] == a  # the moved part starts where its block did: a second split cannot commit
        if kept is None:
            assert moved[1] == b
            kinds.append("moved")
        else:
            assert kept == (moved[1] + 1, b)
            kinds.append("split")
    # whole blocks first, then at most one split, then untouched ones
    assert kinds == sorted(kinds, key=["moved", "split", "untouched"].index)
    assert kinds.count("split") <= 1
