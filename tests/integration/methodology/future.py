"""A methodology declaring an SDK API version this Tanbi does not speak (for the registry test)."""

from methodologies.bus_trip.v1 import BusTripV1


class _Future(BusTripV1):
    id = "future_example"
    api_version = 99


ITEM = _Future()
