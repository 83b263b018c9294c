"""Checks on when an action happened, relative to the time the service checks it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from methodologies._sdk import Context


def window_reasons(
    occurred: dt.datetime, context: Context, *, stale_days: int, future_minutes: int
) -> list[str]:
    """``in_future`` past now + ``future_minutes``; ``stale`` before now - ``stale_days``."""
    if occurred > context.now + dt.timedelta(minutes=future_minutes):
        return ["in_future"]
    if occurred < context.now - dt.timedelta(days=stale_days):
        return ["stale"]
    return []


def hours_between(start: dt.datetime, end: dt.datetime) -> Decimal:
    """Elapsed hours as a Decimal (exact to the microsecond)."""
    delta = end - start
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return Decimal(micros) / Decimal(3_600_000_000)
