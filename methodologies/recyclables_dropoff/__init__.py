"""``recyclables_dropoff`` (低碳社区/校园): recyclables weighed in at a recycling machine or station."""

from methodologies.recyclables_dropoff.v1 import RecyclablesDropoffV1

VERSIONS = (RecyclablesDropoffV1(),)
