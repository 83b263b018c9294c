"""``household_power_saving`` (低碳社区): a household used less grid electricity in a month than before."""

from methodologies.household_power_saving.v1 import HouseholdPowerSavingV1

VERSIONS = (HouseholdPowerSavingV1(),)
