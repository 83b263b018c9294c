"""``car_free_day`` (燃油车停驶): a day a fuel car observed by a partner stayed parked."""

from methodologies.car_free_day.v1 import CarFreeDayV1
from methodologies.car_free_day.v2 import CarFreeDayV2

VERSIONS = (CarFreeDayV1(), CarFreeDayV2())
