"""From a batch's grams to whole units: the buffer is held back first (rounded up, so never less than the
share), each side's remainder below a tonne is carried to the project and vintage's next batch."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from service.registry.models import GRAMS_PER_UNIT


@dataclass(frozen=True)
class Pooled:
    gross_grams: int
    buffer_grams: int
    net_grams: int
    units: int
    buffer_units: int
    carried_grams: int
    carried_buffer_grams: int


def pool(gross_grams: int, buffer_share: Decimal, carried_in: int = 0, carried_in_buffer: int = 0) -> Pooled:
    """``gross_grams`` of actions plus what the previous batch carried, as units for holder and buffer.

    1,234,567,890 g with a 10 % buffer: 123,456,789 g buffer, 1,111,111,101 g net, 1,111 units, 111,101 g
    carried (and 123 buffer units, 456,789 buffer grams carried).
    """
    if gross_grams < 0 or carried_in < 0 or carried_in_buffer < 0:
        raise ValueError("grams cannot be negative")
    if not Decimal(0) <= buffer_share < Decimal(1):
        raise ValueError("the buffer share is in [0, 1)")
    net = math.floor(Decimal(gross_grams) * (Decimal(1) - buffer_share))
    buffer = gross_grams - net
    units, carried = divmod(net + carried_in, GRAMS_PER_UNIT)
    buffer_units, carried_buffer = divmod(buffer + carried_in_buffer, GRAMS_PER_UNIT)
    return Pooled(gross_grams, buffer, net, units, buffer_units, carried, carried_buffer)


def units_to_cancel(reversed_grams: int) -> int:
    """Buffer units that cover ``reversed_grams`` of reversed actions (whole units, rounded up)."""
    return -(-reversed_grams // GRAMS_PER_UNIT)
