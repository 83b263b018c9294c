"""ISO 7064 MOD 97-10 as IBAN uses it, and what it catches in a serial."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from service.registry.check_digits import check_digits, is_valid


def test_known_iban() -> None:
    # GB82 WEST 1234 5698 7654 32: the body moves the country and its check digits to the end.
    assert check_digits("WEST12345698765432GB") == "82"
    assert is_valid("WEST12345698765432GB", "82")


def test_separators_and_case_do_not_count() -> None:
    assert check_digits("TB-GQC-bus_trip-2026-B1-0000001") == check_digits("TBGQCBUSTRIP2026B10000001")


@given(st.text(alphabet=string.digits + string.ascii_uppercase, min_size=1, max_size=40), st.data())
def test_any_digit_for_digit_or_letter_for_letter_change_fails(body: str, data: st.DataObject) -> None:
    digits = check_digits(body)
    assert is_valid(body, digits)
    at = data.draw(st.integers(0, len(body) - 1))
    same_class = string.digits if body[at].isdigit() else string.ascii_uppercase
    other = data.draw(st.sampled_from([c for c in same_class if c != body[at]]))
    assert not is_valid(body[:at] + other + body[at + 1 :], digits)


@given(st.text(alphabet=string.digits + string.ascii_uppercase, min_size=1, max_size=40))
def test_a_changed_check_digit_fails(body: str) -> None:
    digits = check_digits(body)
    wrong = f"{(int(digits) + 1) % 100:02d}"
    assert not is_valid(body, wrong)
