"""``bus_trip`` (公交出行): a bus ride, credited at a published net reduction factor per passenger-km."""

from methodologies.bus_trip.v1 import BusTripV1
from methodologies.bus_trip.v2 import BusTripV2

VERSIONS = (BusTripV1(), BusTripV2())
