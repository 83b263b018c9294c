"""Serial numbers of units: ``TB-{city}-{methodology}-{vintage}-B{batch}-{sequence}-{check}``, the check being
ISO 7064 MOD 97-10 over everything before it. A block of units is its first and last serial."""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.errors import Invalid
from service.registry.check_digits import check_digits, is_valid

SEQUENCE_DIGITS = 7
_PATTERN = re.compile(r"^TB-([A-Z]{2,8})-([a-z][a-z0-9_]{0,63})-(\d{4})-B(\d{1,12})-(\d{7})-(\d{2})$")


@dataclass(frozen=True)
class Serial:
    city: str
    methodology: str
    vintage: int
    batch: int
    sequence: int

    @property
    def body(self) -> str:
        return (
            f"TB-{self.city}-{self.methodology}-{self.vintage}-B{self.batch}-"
            f"{self.sequence:0{SEQUENCE_DIGITS}d}"
        )

    def __str__(self) -> str:
        return f"{self.body}-{check_digits(self.body)}"


def parse(text: str) -> Serial:
    """A serial from its text; 422 ``invalid_serial`` for anything malformed or with wrong check digits."""
    match = _PATTERN.fullmatch(text.strip())
    if not match:
        raise Invalid("a serial looks like TB-GQC-bus_trip-2026-B1-0000001-NN", code="invalid_serial")
    city, methodology, vintage, batch, sequence, digits = match.groups()
    serial = Serial(city, methodology, int(vintage), int(batch), int(sequence))
    if not is_valid(serial.body, digits):
        raise Invalid(
            "the serial's check digits do not match: it was mistyped or altered", code="invalid_serial"
        )
    return serial
