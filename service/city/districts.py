"""The city's districts: a district code is checked against the city's list (where a resident lives:
service/residents/districts.py)."""

from __future__ import annotations

from service.errors import Invalid
from service.settings import CitySettings


def checked(city: CitySettings, code: str | None) -> str | None:
    """``code`` if it names one of the city's districts (None stays None); a clear 422 otherwise."""
    if code is None or code in city.district_codes():
        return code
    known = ", ".join(sorted(city.district_codes()))
    raise Invalid(f"unknown district {code!r}; the city's districts are: {known}", code="unknown_district")
