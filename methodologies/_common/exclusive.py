"""The exclusive groups of the built-in methodologies (methodologies.md, "No double counting").

- ``travel_day``: a resident's car-free day and the same local day's transit trips avoid the same
  journeys; the day is credited the larger of the two.
- ``ev_route``: an EV credited by its charging sessions is not credited again by its odometer; per
  resident and local month, the larger of the two routes counts.
"""

from __future__ import annotations

from methodologies._sdk import Exclusive

TRAVEL_DAY = ("transit", "car_free")
EV_ROUTE = ("charging", "odometer")


def travel_day(member: str) -> Exclusive:
    return Exclusive("travel_day", member, TRAVEL_DAY, "day")


def ev_route(member: str) -> Exclusive:
    return Exclusive("ev_route", member, EV_ROUTE, "month")
