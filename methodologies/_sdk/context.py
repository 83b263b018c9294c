"""What the service hands a methodology: the time of checking, the city's zone, and looked-up facts.

Methodologies have no clock and do no I/O: everything from outside the evidence arrives here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Usage:
    """How much of a cap's period is used already (before this action)."""

    used: Decimal = Decimal(0)


@dataclass(frozen=True)
class Context:
    now: dt.datetime
    zone: ZoneInfo
    # The registered asset the evidence names (e.g. a rooftop PV system), or None if none is registered.
    asset: Mapping[str, Any] | None = None
    # Who registered that asset: "resident" (self-declared) or "partner" (an installer's or grid company's
    # record); None when there is no asset or the record predates the distinction.
    asset_source: str | None = None
    # The latest accepted evidence with the same history key (e.g. the previous meter reading), or None.
    previous: Mapping[str, Any] | None = None
    # Accepted actions that overlap this one in an occupancy scope (ids), filled by the service.
    overlapping: tuple[int, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def local_date(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.zone).date()
