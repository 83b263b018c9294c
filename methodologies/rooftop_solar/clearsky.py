"""Clear-sky plane-of-array insolation of a PV system over a period, from pvlib (imported lazily).

Model (fixed for code version 1.x, since it decides what is credited): Ineichen clear sky with pvlib's
bundled Linke turbidity climatology at the site, sun positions by pvlib's default (NREL SPA), isotropic sky
diffuse, ground albedo 0.25, sampled every 5 minutes at interval midpoints. pvlib is pinned in pyproject.toml:
a new pvlib may change the numbers, so bump the methodology's version with it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

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
    import pandas as pd
    from pvlib import irradiance
    from pvlib.location import Location

    step = pd.Timedelta(minutes=STEP_MINUTES)
    times = pd.date_range(pd.Timestamp(start) + step / 2, pd.Timestamp(end), freq=step, inclusive="left")
    if len(times) == 0:
        return Decimal(0)
    site = Location(latitude, longitude, tz="UTC")
    sun = site.get_solarposition(times)
    # The sun's positions computed once (get_clearsky would compute the very same ones again, with the
    # site's pressure, which is get_solarposition's default): they are most of the cost of a period.
    clear = site.get_clearsky(times, model="ineichen", solar_position=sun)
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
