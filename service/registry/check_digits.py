"""ISO 7064 MOD 97-10 check digits (the scheme of IBAN). Letters count as 10 (A) to 35 (Z); separators and
case are ignored. Two digits catch every substitution of one digit for another or one letter for another
(the change is under 97 times a power of ten, and 97 is prime to 10) and almost every transposition."""

from __future__ import annotations

import re

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def _number(text: str) -> int:
    cleaned = _NOT_ALNUM.sub("", text.upper())
    if not cleaned:
        raise ValueError("nothing to check")
    return int("".join(str(int(ch, 36)) for ch in cleaned))


def check_digits(body: str) -> str:
    """The two check digits to append to ``body``."""
    return f"{98 - (_number(body) * 100) % 97:02d}"


def is_valid(body: str, digits: str) -> bool:
    """Whether ``digits`` are ``body``'s check digits (``body`` followed by them is 1 mod 97)."""
    if not re.fullmatch(r"\d\d", digits):
        return False
    return (_number(body) * 100 + int(digits)) % 97 == 1
