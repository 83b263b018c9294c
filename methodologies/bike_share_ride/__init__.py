"""``bike_share_ride`` (共享单车/公共自行车骑行): a shared-bike ride, credited per km; e-bikes are not."""

from methodologies.bike_share_ride.v1 import BikeShareRideV1
from methodologies.bike_share_ride.v2 import BikeShareRideV2

VERSIONS = (BikeShareRideV1(), BikeShareRideV2())
