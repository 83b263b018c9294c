"""Clear-sky plane-of-array insolation of a PV system over a period, from pvlib (imported lazily).

Model (fixed for code version 1.x, since it decides what is credited): Ineichen clear sky with pvlib's
bundled Linke turbidity climatology at the site, sun positions by pvlib's default (NREL SPA), isotropic sky
diffuse, ground albedo 0.25, sampled every 5 minutes at interval midpoints. pvlib is pinned in pyproject.toml:
a new pvlib may change the numbers, so bump the methodology's version with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from methodologies.rooftop_solar.sun import SunPath

STEP_MINUTES = 5
ALBEDO = 0.25


def insolation_kwh_per_m2(
    latitude: float,
    longitude: float,
    tilt_deg: float,
    azimuth_deg: float,
    start: dt.datetime,
    end: dt.datetime,
) -> Decimal:
    """Clear-sky plane-of-array insolation over [start, end), kWh/m², rounded down to 0.001."""
    return _insolation(
        latitude, longitude, tilt_deg, azimuth_deg, start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    )


@lru_cache(maxsize=256)
def _insolation(
    latitude: float,
    longitude: float,
    tilt_deg: float,
    azimuth_deg: float,
    start: dt.datetime,
    end: dt.datetime,
) -> Decimal:
    from pvlib import irradiance
    from pvlib.location import Location

    period = _period(start, end)
    if period is None:
        return Decimal(0)
    site = Location(latitude, longitude, tz="UTC")
    sun = period.sun.at(site)  # what site.get_solarposition(times) gives, for a fraction of its cost
    # get_clearsky would compute the sun's positions and the extraterrestrial irradiance again, the same.
    clear = site.get_clearsky(period.times, model="ineichen", solar_position=sun, dni_extra=period.dni_extra)
    poa = irradiance.get_total_irradiance(
        tilt_deg,
        azimuth_deg,
        sun["apparent_zenith"],
        sun["azimuth"],
        clear["dni"],
        clear["ghi"],
        clear["dhi"],
        albedo=ALBEDO,
        model="isotropic",
    )
    watt_hours = float(poa["poa_global"].clip(lower=0).fillna(0).sum()) * STEP_MINUTES / 60
    return (Decimal(repr(watt_hours)) / 1000).quantize(Decimal("0.001"), rounding="ROUND_FLOOR")


@dataclass(frozen=True)
class _Period:
    times: Any  # the sample times, a UTC pandas DatetimeIndex
    sun: SunPath
    dni_extra: Any


@lru_cache(maxsize=64)
def _period(start: dt.datetime, end: dt.datetime) -> _Period | None:
    """What a period's samples are, whatever the site: every system reports the same weeks."""
    import pandas as pd
    from pvlib import irradiance

    step = pd.Timedelta(minutes=STEP_MINUTES)
    times = pd.date_range(pd.Timestamp(start) + step / 2, pd.Timestamp(end), freq=step, inclusive="left")
    if len(times) == 0:
        return None
    return _Period(times, SunPath(times), irradiance.get_extra_radiation(times))
