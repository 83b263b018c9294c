"""The mass unit a city answer is read in: ``unit=t|kg|g`` on the city routes.

Grams stay the exact figure (integers, as the roll-ups count them); the unit asked for adds one figure,
``co2e``, beside each ``grams``: the same mass in that unit, rounded half up to the unit's decimals
(tonnes 2, kilograms 1, grams 0), so 10,005,000 g reads 10.01 t and never a rounded-away 10 t.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, get_args

Unit = Literal["t", "kg", "g"]
UNITS: tuple[Unit, ...] = get_args(Unit)
DEFAULT: Unit = "g"
GRAMS_IN: dict[Unit, int] = {"t": 1_000_000, "kg": 1_000, "g": 1}
DECIMALS: dict[Unit, int] = {"t": 2, "kg": 1, "g": 0}


def convert(grams: int | None, unit: Unit) -> float | int | None:
    """``grams`` in ``unit``, rounded half up to the unit's decimals (grams stay an integer, None None)."""
    if grams is None:
        return None
    if unit == "g":
        return grams
    step = Decimal(1).scaleb(-DECIMALS[unit])
    return float((Decimal(grams) / GRAMS_IN[unit]).quantize(step, rounding=ROUND_HALF_UP))


def column(unit: Unit) -> str:
    """The CSV column of the converted figure: co2e_t, co2e_kg (grams need none: the grams column is it)."""
    return f"co2e_{unit}"
