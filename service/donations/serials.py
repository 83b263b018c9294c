"""Donation certificate serials: ``TB-{city code}-DON-{year}-{sequence}-{check}``.

The sequence is the donation's id, zero-padded to six digits: unique across years and cities' books without
a counter row every donation would queue on. The check is ISO 7064 MOD 97-10 over everything before it
(service/registry/check_digits.py), so a mistyped digit or letter is caught before any lookup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.errors import Invalid
from service.registry.check_digits import check_digits, is_valid

MAX_LENGTH = 48
SERIAL = re.compile(r"TB-([A-Z]{2,8})-DON-(\d{4})-(\d{6,18})-(\d{2})")


@dataclass(frozen=True)
class SerialParts:
    city_code: str
    year: int
    sequence: int


def serial_of(city_code: str, year: int, sequence: int) -> str:
    body = f"TB-{city_code}-DON-{year}-{sequence:06d}"
    return f"{body}-{check_digits(body)}"


def parse_serial(serial: str) -> SerialParts:
    """The parts of a well-formed serial with valid check digits.

    422 ``invalid_serial`` if it is not shaped like one, 422 ``serial_check_failed`` if its check digits do
    not match (a mistyped or tampered serial). Case and surrounding spaces are forgiven.
    """
    text = serial.strip().upper()
    match = SERIAL.fullmatch(text)
    if match is None:
        raise Invalid("a donation serial looks like TB-GQC-DON-2026-000123-45", code="invalid_serial")
    code, year, sequence, digits = match.groups()
    if not is_valid(text[: -len(digits) - 1], digits):
        raise Invalid(
            f"the check digits of {text} do not match: mistyped or altered", code="serial_check_failed"
        )
    return SerialParts(code, int(year), int(sequence))
