"""pvlib's NREL SPA sun positions, split at the point where the site comes in.

``Location.get_solarposition`` (pvlib's ``spa_python``, ``how="numpy"``) spends nine tenths of its time on
what depends on the times alone: the heliocentric series, nutation, the sun's apparent right ascension and
declination. Every system's report of one period (the installer's Monday-to-Monday weeks) samples the
same times, so ``SunPath`` computes that part once per period and ``SunPath.at`` finishes it for a site:
the very calls of ``pvlib.spa.solar_position_numpy``, in its order, with ``spa_python``'s and
``get_solarposition``'s defaults, so the numbers are pvlib's to the last bit. The tests hold this to
``Location.get_solarposition`` exactly; a new pvlib that computed differently would fail them (and a new
pvlib means a new methodology version anyway, see ``clearsky.py``).
"""

from __future__ import annotations

from typing import Any

# spa_python's defaults (delta_t, atmos_refract) and get_solarposition's (temperature, °C).
DELTA_T = 67.0
ATMOS_REFRACT = 0.5667
TEMPERATURE = 12


class SunPath:
    """The site-independent half of the sun's positions at ``times`` (a UTC pandas DatetimeIndex)."""

    def __init__(self, times: Any) -> None:
        import numpy as np
        from pvlib import solarposition, spa

        self.times = times
        unixtime = solarposition._datetime_to_unixtime(times)  # as spa_python converts them
        jd = spa.julian_day(unixtime)
        jde = spa.julian_ephemeris_day(jd, DELTA_T)
        jc = spa.julian_century(jd)
        jce = spa.julian_ephemeris_century(jde)
        jme = spa.julian_ephemeris_millennium(jce)
        radius = spa.heliocentric_radius_vector(jme)
        theta = spa.geocentric_longitude(spa.heliocentric_longitude(jme))
        beta = spa.geocentric_latitude(spa.heliocentric_latitude(jme))
        x0 = spa.mean_elongation(jce)
        x1 = spa.mean_anomaly_sun(jce)
        x2 = spa.mean_anomaly_moon(jce)
        x3 = spa.moon_argument_latitude(jce)
        x4 = spa.moon_ascending_longitude(jce)
        nutation = np.empty((2, len(x0)))
        spa.longitude_obliquity_nutation(jce, x0, x1, x2, x3, x4, nutation)
        delta_psi, delta_epsilon = nutation[0], nutation[1]
        epsilon = spa.true_ecliptic_obliquity(spa.mean_ecliptic_obliquity(jme), delta_epsilon)
        lamd = spa.apparent_sun_longitude(theta, delta_psi, spa.aberration_correction(radius))
        self.v = spa.apparent_sidereal_time(spa.mean_sidereal_time(jd, jc), delta_psi, epsilon)
        self.alpha = spa.geocentric_sun_right_ascension(lamd, epsilon, beta)
        self.delta = spa.geocentric_sun_declination(lamd, epsilon, beta)
        self.eot = spa.equation_of_time(spa.sun_mean_longitude(jme), self.alpha, delta_psi, epsilon)
        self.xi = spa.equatorial_horizontal_parallax(radius)

    def at(self, site: Any) -> Any:
        """``site.get_solarposition(self.times)`` for a pvlib ``Location``: the same DataFrame."""
        import pandas as pd
        from pvlib import atmosphere, spa

        lat, elev = site.latitude, site.altitude
        pressure = atmosphere.alt2pres(elev) / 100  # get_solarposition's pressure, in spa's millibars
        hour_angle = spa.local_hour_angle(self.v, site.longitude, self.alpha)
        u = spa.uterm(lat)
        x = spa.xterm(u, lat, elev)
        y = spa.yterm(u, lat, elev)
        delta_alpha = spa.parallax_sun_right_ascension(x, self.xi, hour_angle, self.delta)
        delta_prime = spa.topocentric_sun_declination(self.delta, x, y, self.xi, delta_alpha, hour_angle)
        h_prime = spa.topocentric_local_hour_angle(hour_angle, delta_alpha)
        e0 = spa.topocentric_elevation_angle_without_atmosphere(lat, delta_prime, h_prime)
        delta_e = spa.atmospheric_refraction_correction(pressure, TEMPERATURE, e0, ATMOS_REFRACT)
        e = spa.topocentric_elevation_angle(e0, delta_e)
        gamma = spa.topocentric_astronomers_azimuth(h_prime, delta_prime, lat)
        return pd.DataFrame(
            {
                "apparent_zenith": spa.topocentric_zenith_angle(e),
                "zenith": spa.topocentric_zenith_angle(e0),
                "apparent_elevation": e,
                "elevation": e0,
                "azimuth": spa.topocentric_azimuth_angle(gamma),
                "equation_of_time": self.eot,
            },
            index=self.times,
        )
