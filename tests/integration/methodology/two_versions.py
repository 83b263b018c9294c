"""bus_trip at two code versions, as a package would ship them after a change (for the replay test)."""

from decimal import Decimal

from methodologies._sdk import Quantity
from methodologies.bus_trip.v1 import BusTripV1


class BusTripV2(BusTripV1):
    """A hypothetical 2.0.0 that counts 10 % less: results change, so the version is bumped."""

    version = "2.0.0"

    def quantify(self, evidence, params) -> Quantity:  # type: ignore[no-untyped-def]
        first = super().quantify(evidence, params)
        return Quantity.of(
            first.exact_grams * Decimal("0.9"), factors=first.factors, formula=first.formula + " x 0.9"
        )


VERSIONS = (BusTripV1(),)
BOTH = (BusTripV1(), BusTripV2())
