"""``ev_charging`` (新能源汽车充电): a charging session replaces the same car's gasoline driving."""

from methodologies.ev_charging.v1 import EvChargingV1

VERSIONS = (EvChargingV1(),)
