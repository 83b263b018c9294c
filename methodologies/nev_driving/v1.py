"""nev_driving 1.0.0: a private battery-electric car's km, from its odometer, instead of a gasoline car's.

km           = odometer_end_km - odometer_start_km
reduction_g  = km x (car_g_per_vkm - ev_kwh_per_100km / 100 x grid_consumed_g_per_kwh)   (per vehicle-km)

The carmaker's telematics platform (GB/T 32960 national NEV monitoring data) reports the readings; Tanbi
hashes the VIN, so the same car reported twice is one car. An EV credited by its charging sessions is not
also credited by its odometer (``ev_route``: per resident and month the larger route counts).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import AwareDatetime, Field

from methodologies._common.car import CarBaselineV2, GridConsumed, car_factors, car_g_per_vkm
from methodologies._common.exclusive import ev_route
from methodologies._common.factors import named_factor
from methodologies._common.readme import readme_of
from methodologies._common.sources import TANBI_V1, TANBI_V2
from methodologies._common.timing import hours_between, window_reasons
from methodologies._sdk import (
    API_VERSION,
    BaseMethodology,
    Cap,
    Conservative,
    Context,
    Evidence,
    Exclusive,
    FactorUsed,
    Occupancy,
    Quantity,
    Verdict,
    factor,
    identifier,
    setting,
)

# GB/T 32960.3-2016, 整车数据 累计里程: a DWORD in units of 0.1 km, 0 to 999 999.9 km.
ODOMETER_KM = {"ge": 0, "le": Decimal("999999.9"), "max_digits": 7, "decimal_places": 1}
# The same assumption, in the same words, as ev_charging 1.0.0.
EV_CONSUMPTION = "Tanbi v1 assumption: compact EV at the plug incl. losses"
# An odometer range drawn as a span of time (1 km = 1 s after this instant), so the service's occupancy
# check can refuse a range of km that overlaps one already credited for the vehicle. The previous report
# (history) only looks back in time; occupancy holds whatever order the reports arrive in.
ODOMETER_AXIS = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class NevDrivingEvidence(Evidence):
    vin: str = identifier("vin", description="the vehicle identification number (17 characters, GB 16735)")
    powertrain: Literal["bev", "phev", "erev", "fcev", "hev", "other"] = Field(
        description="bev battery-electric, phev plug-in hybrid, erev range-extended, fcev fuel-cell, "
        "hev hybrid: as the vehicle is registered with the platform"
    )
    vehicle_use: Literal["private", "taxi", "ride_hailing", "rental", "commercial", "other"] = Field(
        description="the vehicle's registered use (使用性质): private cars only are eligible"
    )
    period_start: AwareDatetime = Field(description="time of the first odometer reading, with zone")
    period_end: AwareDatetime = Field(description="time of the last odometer reading, with zone")
    odometer_start_km: Decimal = Field(description="odometer (累计里程) at period_start, km", **ODOMETER_KM)
    odometer_end_km: Decimal = Field(description="odometer (累计里程) at period_end, km", **ODOMETER_KM)

    @property
    def km(self) -> Decimal:
        """km driven over the period; 0 when the odometer went backwards (which verify rejects)."""
        return max(self.odometer_end_km - self.odometer_start_km, Decimal(0))


class NevDrivingParams(CarBaselineV2, GridConsumed, Conservative):
    ev_kwh_per_100km: Decimal = factor(
        "16.0", unit="kWh / 100 vkm", source=EV_CONSUMPTION, year=2026, gt=0, le=100
    )
    max_daily_km: Decimal = factor(
        "500",
        unit="km / day",
        source=TANBI_V2,
        year=2026,
        description="average over the period; a period shorter than a day is judged as one day",
        gt=0,
        le=2000,
    )
    max_period_days: int = setting(31, unit="days", source=TANBI_V2, year=2026, ge=1, le=92)
    monthly_max_km: Decimal = factor(
        "2000",
        unit="km / resident and / vehicle / calendar month",
        source=TANBI_V2,
        year=2026,
        description="enforced as the grams these km are worth under the same parameters (clipped)",
        gt=0,
        le=20000,
    )
    stale_days: int = setting(30, unit="days after period_end", source=TANBI_V2, year=2026, ge=1, le=366)
    future_tolerance_minutes: int = setting(5, unit="minutes", source=TANBI_V1, year=2026, ge=0, le=60)


class NevDrivingV1(BaseMethodology):
    id = "nev_driving"
    version = "1.0.0"
    title = "New-energy vehicle driving (新能源汽车使用)"
    source = (
        "China inventory gasoline defaults; MEE & NBS 公告2025年第47号 2023 grid factors; GB/T 32960 "
        "odometer data; DB11/T 3043-2024 principles; Tanbi methodologies v2"
    )
    api_version = API_VERSION
    family = "new_energy_vehicles"
    Evidence = NevDrivingEvidence
    Params = NevDrivingParams
    partner = (
        "carmaker telematics platform (车企监控平台, GB/T 32960 national NEV monitoring data): the "
        "vehicle's odometer at the start and end of a period; Tanbi hashes its VIN"
    )
    reasons = {
        "not_eligible": (
            "仅私人纯电动乘用车计入（非纯电或非私人用途不计入）",
            "only battery-electric private cars are eligible",
        ),
        "meter_rollback": (
            "里程表读数倒退（本次上报内，或与该车已计入的里程重叠）",
            "the odometer went backwards, within the report or against km already credited for the vehicle",
        ),
        "implausible_distance": ("日均行驶里程超过上限", "more km a day on average than is plausible"),
        "period_too_long": ("上报周期超过上限", "the period is longer than the maximum"),
        "overlap": ("与该车已计入的时段重叠", "it overlaps a period already credited for the same vehicle"),
        "monthly_cap": (
            "超出每月里程上限（按居民和按车辆）",
            "past the monthly km cap (per resident and per vehicle)",
        ),
        "counted_elsewhere": (
            "本月该居民已按充电计入更多（同月两种方式取较大者）",
            "the month is credited more by charging sessions (the larger of the two routes counts)",
        ),
    }
    example = {
        "vin": "LGXCE4CB0P0123456",
        "powertrain": "bev",
        "vehicle_use": "private",
        "period_start": "2026-10-01T00:00:00+08:00",
        "period_end": "2026-11-01T00:00:00+08:00",
        "odometer_start_km": "18230.4",
        "odometer_end_km": "19230.4",
    }

    @property
    def readme(self) -> str:
        return readme_of("methodologies.nev_driving")

    def verify(self, evidence: NevDrivingEvidence, params: NevDrivingParams, context: Context) -> Verdict:
        if evidence.period_end <= evidence.period_start:
            return Verdict.reject("invalid_interval")
        reasons = window_reasons(
            evidence.period_end,
            context,
            stale_days=params.stale_days,
            future_minutes=params.future_tolerance_minutes,
        )
        if evidence.powertrain != "bev" or evidence.vehicle_use != "private":
            reasons.append("not_eligible")
        days = hours_between(evidence.period_start, evidence.period_end) / 24
        if days > params.max_period_days:
            reasons.append("period_too_long")
        reasons += _odometer_reasons(evidence, context.previous)
        # A day's driving can fit in a few hours: a shorter period is allowed a whole day's km.
        if evidence.km > params.max_daily_km * max(days, Decimal(1)):
            reasons.append("implausible_distance")
        return Verdict.of(reasons)

    def quantify(self, evidence: NevDrivingEvidence, params: NevDrivingParams) -> Quantity:
        km = evidence.km
        car = car_g_per_vkm(params)
        ev = ev_g_per_vkm(params)
        return Quantity.of(
            km * (car - ev),
            baseline=km * car,
            project=km * ev,
            formula="km x (car_g_per_vkm - ev_kwh_per_100km / 100 x grid_consumed_g_per_kwh)",
            inputs={
                "odometer_start_km": evidence.odometer_start_km,
                "odometer_end_km": evidence.odometer_end_km,
                "km": km,
            },
            factors=(
                *car_factors(params),
                named_factor(params, "ev_kwh_per_100km"),
                named_factor(params, "grid_consumed_g_per_kwh"),
                FactorUsed(
                    "ev_g_per_vkm",
                    ev,
                    "g CO2 / vkm",
                    "derived: ev_kwh_per_100km / 100 x grid_consumed_g_per_kwh",
                ),
            ),
            gas="CO2",
            conservativeness=params.conservativeness,
        )

    def occurred_at(self, evidence: NevDrivingEvidence) -> dt.datetime:
        # The end of the period: the km are known only once its last reading is taken, staleness counts
        # from it, the vehicle's reports form a series in this order (the previous report is the one that
        # ended last before), and the month the period ends in is the month its km are capped in.
        return evidence.period_end

    def occupancy(self, evidence: NevDrivingEvidence) -> tuple[Occupancy, ...]:
        # Both spans are the vehicle's, not a resident's: a car's period and its km are credited once,
        # whoever reports them.
        low, high = sorted((evidence.odometer_start_km, evidence.odometer_end_km))
        return (
            Occupancy(
                f"nev_period:{evidence.vin}", evidence.period_start, evidence.period_end, per_resident=False
            ),
            Occupancy(
                f"nev_odometer:{evidence.vin}",
                on_odometer_axis(low),
                on_odometer_axis(high),
                per_resident=False,
                reason="meter_rollback",
            ),
        )

    def caps(self, evidence: NevDrivingEvidence, params: NevDrivingParams) -> tuple[Cap, ...]:
        # monthly_max_km as the grams those km are worth, so the report that crosses the cap is credited
        # up to it (clip) rather than lost whole, and the result does not depend on how the platform cuts
        # its periods.
        limit = max(params.monthly_max_km * (car_g_per_vkm(params) - ev_g_per_vkm(params)), Decimal(0))
        limit *= params.conservativeness
        return (
            Cap("monthly_cap", "grams", "month", limit, clip=True),
            Cap(
                "monthly_cap",
                "grams",
                "month",
                limit,
                scope=f"vehicle:{evidence.vin}",
                per_resident=False,
                clip=True,
            ),
        )

    def exclusive(self, evidence: NevDrivingEvidence, params: NevDrivingParams) -> tuple[Exclusive, ...]:
        return (ev_route("odometer"),)

    def history_key(self, evidence: NevDrivingEvidence) -> str | None:
        return f"nev:{evidence.vin}"


def ev_g_per_vkm(params: NevDrivingParams) -> Decimal:
    """ev_kwh_per_100km / 100 x grid_consumed_g_per_kwh (84.896 g CO2 / vkm with the defaults)."""
    return params.ev_kwh_per_100km / 100 * params.grid_consumed_g_per_kwh


def on_odometer_axis(km: Decimal) -> dt.datetime:
    """``km`` as an instant on :data:`ODOMETER_AXIS` (exact: readings have 0.1 km resolution)."""
    return ODOMETER_AXIS + dt.timedelta(microseconds=int(km * 1_000_000))


def _odometer_reasons(evidence: NevDrivingEvidence, previous: Any) -> list[str]:
    if evidence.odometer_end_km < evidence.odometer_start_km:
        return ["meter_rollback"]
    last_end = (previous or {}).get("odometer_end_km")
    if last_end is not None and evidence.odometer_start_km < Decimal(str(last_end)):
        return ["meter_rollback"]
    return []
