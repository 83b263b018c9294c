"""Dates in query strings: ISO days within the years Tanbi can hold, or a 422 that says so.

Year 1 and year 9999 are valid ISO dates, and the calendar arithmetic around them (the day before, the
week's Monday, the day after) overflows; nothing Tanbi stores is before 2000 or after 2999.
"""

from __future__ import annotations

import datetime as dt

from service.errors import Invalid

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2999, 12, 31)


def query_date(value: str, name: str) -> dt.date:
    """``value`` as a date; Invalid (422 ``invalid_date``) if it is not one, or is outside 2000-2999."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(
            f"{name} must be a date like 2026-11-24", code="invalid_date", extra={"parameter": name}
        ) from exc
    if not EARLIEST <= day <= LATEST:
        raise Invalid(
            f"{name} must be between {EARLIEST} and {LATEST}", code="invalid_date", extra={"parameter": name}
        )
    return day
