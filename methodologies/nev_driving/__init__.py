"""``nev_driving`` (新能源汽车使用): a private battery-electric car's km, from its odometer, replace a
gasoline car's."""

from methodologies.nev_driving.v1 import NevDrivingV1

VERSIONS = (NevDrivingV1(),)
