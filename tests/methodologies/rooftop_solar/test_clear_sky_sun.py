"""The clear-sky bound computes the sun's path once per period (``sun.py``): it must be pvlib's to the last
bit, for any site and period, since the bound decides what a rooftop is credited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from pvlib import irradiance
from pvlib.location import Location

from methodologies.rooftop_solar import clearsky
from methodologies.rooftop_solar.sun import SunPath

latitudes = st.floats(-60, 60)
longitudes = st.floats(-180, 180)
starts = st.integers(0, 24 * 366 * 2).map(
    lambda h: dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=h)
)
lengths = st.sampled_from(
    [dt.timedelta(hours=1), dt.timedelta(days=1), dt.timedelta(days=7), dt.timedelta(days=31)]
)


def samples(start: dt.datetime, end: dt.datetime) -> pd.DatetimeIndex:
    step = pd.Timedelta(minutes=clearsky.STEP_MINUTES)
    return pd.date_range(pd.Timestamp(start) + step / 2, pd.Timestamp(end), freq=step, inclusive="left")


@settings(max_examples=30, deadline=None)
@given(latitude=latitudes, longitude=longitudes, start=starts, length=lengths)
def test_the_sun_path_at_a_site_is_pvlibs_solar_position(latitude, longitude, start, length) -> None:  # type: ignore[no-untyped-def]
    times = samples(start, start + length)
    site = Location(latitude, longitude, tz="UTC")
    pd.testing.assert_frame_equal(SunPath(times).at(site), site.get_solarposition(times), check_exact=True)


def pvlib_insolation(latitude, longitude, tilt, azimuth, start, end) -> Decimal:  # type: ignore[no-untyped-def]
    """The bound as pvlib computes it when asked plainly (how clearsky.py computed it before sun.py)."""
    times = samples(start, end)
    site = Location(latitude, longitude, tz="UTC")
    clear = site.get_clearsky(times, model="ineichen")
    sun = site.get_solarposition(times)
    poa = irradiance.get_total_irradiance(
        tilt,
        azimuth,
        sun["apparent_zenith"],
        sun["azimuth"],
        clear["dni"],
        clear["ghi"],
        clear["dhi"],
        albedo=clearsky.ALBEDO,
        model="isotropic",
    )
    watt_hours = float(poa["poa_global"].clip(lower=0).fillna(0).sum()) * clearsky.STEP_MINUTES / 60
    return (Decimal(repr(watt_hours)) / 1000).quantize(Decimal("0.001"), rounding="ROUND_FLOOR")


@settings(max_examples=15, deadline=None)
@given(
    latitude=latitudes,
    longitude=longitudes,
    tilt=st.integers(0, 60),
    azimuth=st.integers(0, 359),
    start=starts,
    length=lengths,
)
def test_the_insolation_is_what_plain_pvlib_gives(latitude, longitude, tilt, azimuth, start, length) -> None:  # type: ignore[no-untyped-def]
    end = start + length
    expected = pvlib_insolation(latitude, longitude, tilt, azimuth, start, end)
    assert clearsky.insolation_kwh_per_m2(latitude, longitude, tilt, azimuth, start, end) == expected


def test_sites_reporting_the_same_week_share_its_sun_path() -> None:
    monday = dt.datetime(2026, 11, 16, tzinfo=dt.UTC)
    week = (monday, monday + dt.timedelta(days=7))
    clearsky._period.cache_clear()
    for n in range(5):
        clearsky.insolation_kwh_per_m2(29.2 + n / 100, 115.8, 20, 180, *week)
    assert clearsky._period.cache_info().misses == 1
