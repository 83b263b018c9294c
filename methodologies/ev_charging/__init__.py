"""``ev_charging`` (新能源汽车充电): a private EV's charging session, as the gasoline driving it replaces."""

from methodologies.ev_charging.v1 import EvChargingV1
from methodologies.ev_charging.v2 import EvChargingV2

VERSIONS = (EvChargingV1(), EvChargingV2())
