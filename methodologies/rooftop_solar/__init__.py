"""``rooftop_solar`` (屋顶光伏发电): metered PV generation displaces grid electricity."""

from methodologies.rooftop_solar.v1 import RooftopSolarV1

VERSIONS = (RooftopSolarV1(),)
