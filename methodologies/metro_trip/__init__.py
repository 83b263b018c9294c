"""``metro_trip`` (城市轨道交通出行): a metro ride, credited at a published net factor per passenger-km."""

from methodologies.metro_trip.v1 import MetroTripV1
from methodologies.metro_trip.v2 import MetroTripV2

VERSIONS = (MetroTripV1(), MetroTripV2())
