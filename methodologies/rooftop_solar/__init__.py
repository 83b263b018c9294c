"""``rooftop_solar`` (屋顶光伏发电): a registered PV system's metered generation, displacing grid power."""

from methodologies.rooftop_solar.v1 import RooftopSolarV1
from methodologies.rooftop_solar.v2 import RooftopSolarV2

VERSIONS = (RooftopSolarV1(), RooftopSolarV2())
