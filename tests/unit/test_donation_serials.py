"""Donation serials: the format, a round trip, and every one-character change caught by the check digits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.donations.serials import SerialParts, parse_serial, serial_of
from service.errors import Invalid

codes = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=8)
years = st.integers(2000, 2999)
sequences = st.integers(1, 10**12)


def test_the_format() -> None:
    serial = serial_of("GQC", 2026, 123)
    assert serial.startswith("TB-GQC-DON-2026-000123-")
    assert len(serial) == len("TB-GQC-DON-2026-000123-00")


@given(codes, years, sequences)
def test_round_trip(code: str, year: int, sequence: int) -> None:
    assert parse_serial(serial_of(code, year, sequence)) == SerialParts(code, year, sequence)
    assert parse_serial(f"  {serial_of(code, year, sequence).lower()} ") == SerialParts(code, year, sequence)


@given(codes, years, sequences, st.data())
def test_any_one_character_substitution_is_caught(
    code: str, year: int, sequence: int, data: st.DataObject
) -> None:
    serial = serial_of(code, year, sequence)
    fixed = {0, 1, *range(len(code) + 4, len(code) + 7)}  # "TB" and "DON": a change there is malformed
    positions = [i for i, ch in enumerate(serial) if ch.isalnum() and i not in fixed]
    at = data.draw(st.sampled_from(positions))
    alphabet = "0123456789" if serial[at].isdigit() else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    other = data.draw(st.sampled_from([ch for ch in alphabet if ch != serial[at]]))
    with pytest.raises(Invalid) as refused:
        parse_serial(serial[:at] + other + serial[at + 1 :])
    assert refused.value.code == "serial_check_failed"


@pytest.mark.parametrize(
    "text", ["", "TB-GQC-DON-2026-1-00", "TB-GQC-REG-2026-000001-00", "TB-G-DON-2026-000001-00"]
)
def test_malformed_serials(text: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_serial(text)
    assert refused.value.code == "invalid_serial"
