"""nev_driving 1.0.0 straight from the methodology: the worked examples, every reason code, the README's
parameter table, and properties of the quantification."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from methodologies._sdk import Context, Quantity
from methodologies.nev_driving import VERSIONS
from methodologies.nev_driving.v1 import NevDrivingEvidence, NevDrivingParams, NevDrivingV1
from service.actions.caps import apply_caps, counter_key
from service.methodology.registry import Registry

ZONE = ZoneInfo("Asia/Shanghai")
OCTOBER = (dt.datetime(2026, 10, 1, tzinfo=ZONE), dt.datetime(2026, 11, 1, tzinfo=ZONE))
NOW = dt.datetime(2026, 11, 5, 9, 0, tzinfo=ZONE)
NEV = NevDrivingV1()
PARAMS = NevDrivingParams()


def report(
    km: str = "1000",
    *,
    start_km: str = "18230.4",
    period: tuple[dt.datetime, dt.datetime] = OCTOBER,
    **fields: Any,
) -> NevDrivingEvidence:
    return NevDrivingEvidence.model_validate(
        {
            "vin": "LGXCE4CB0P0123456",
            "powertrain": "bev",
            "vehicle_use": "private",
            "period_start": period[0],
            "period_end": period[1],
            "odometer_start_km": start_km,
            "odometer_end_km": str(Decimal(start_km) + Decimal(km)),
        }
        | fields
    )


def reasons(evidence: NevDrivingEvidence, now: dt.datetime = NOW, previous: Any = None) -> tuple[str, ...]:
    return NEV.verify(evidence, PARAMS, Context(now=now, zone=ZONE, previous=previous)).reasons


# -- worked examples (methodologies.md, v2: nev_driving) ---------------------------------------------------


def test_one_km_is_worth_66_619_grams() -> None:
    quantity = NEV.quantify(report("1"), PARAMS)
    assert quantity.exact_grams == Decimal("66.619")
    factors = {f.name: f.value for f in quantity.factors}
    assert factors["car_g_per_vkm"] == Decimal("151.515")
    assert factors["ev_g_per_vkm"] == Decimal("84.896")


def test_a_thousand_km_in_a_month_give_66619_grams() -> None:
    evidence = report("1000")
    assert reasons(evidence) == ()
    quantity = NEV.quantify(evidence, PARAMS)
    assert quantity.grams == 66619
    assert quantity.gas == "CO2"
    assert (quantity.baseline_grams, quantity.project_grams) == (Decimal("151515"), Decimal("84896"))


def test_a_month_past_2000_km_is_clipped_to_the_cap() -> None:
    evidence = report("2500")
    assert reasons(evidence) == ()
    grams = NEV.quantify(evidence, PARAMS).grams
    assert grams == 166547
    keyed = [(cap, counter_key(NEV.id, cap, 1, OCTOBER[1].date())) for cap in NEV.caps(evidence, PARAMS)]
    outcome = apply_caps(keyed, grams, {})
    assert (outcome.grams, outcome.reasons) == (133238, [])
    full = {key: 133238 * 1_000_000 for _, key in keyed}
    assert apply_caps(keyed, grams, full).reasons == ["monthly_cap", "monthly_cap"]


# -- every reason code --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"powertrain": "phev"},
        {"powertrain": "erev"},
        {"vehicle_use": "taxi"},
        {"vehicle_use": "ride_hailing"},
    ],
)
def test_only_private_battery_electric_cars_are_eligible(fields: dict[str, str]) -> None:
    assert reasons(report("1000", **fields)) == ("not_eligible",)


def test_more_than_500_km_a_day_is_implausible() -> None:
    day = (dt.datetime(2026, 11, 2, tzinfo=ZONE), dt.datetime(2026, 11, 3, tzinfo=ZONE))
    assert reasons(report("600", period=day)) == ("implausible_distance",)
    assert reasons(report("500", period=day)) == ()
    # A shorter period is allowed one day's km; over 31 days, 15,500 km.
    hour = (day[0], day[0] + dt.timedelta(hours=1))
    assert reasons(report("480", period=hour)) == ()
    assert reasons(report("15500")) == ()
    assert reasons(report("15500.1")) == ("implausible_distance",)


def test_the_odometer_never_goes_backwards() -> None:
    backwards = report("0", start_km="1000", odometer_end_km="999.9")
    assert reasons(backwards) == ("meter_rollback",)
    assert NEV.quantify(backwards, PARAMS).grams == 0
    previous = report("1000", start_km="17000").model_dump(mode="json")  # ends at 18000.0
    assert reasons(report("1000", start_km="17999.9"), previous=previous) == ("meter_rollback",)
    assert reasons(report("1000", start_km="18000.0"), previous=previous) == ()


def test_times_and_period() -> None:
    assert reasons(report(period=(OCTOBER[1], OCTOBER[0]))) == ("invalid_interval",)
    assert reasons(report(period=(OCTOBER[0], OCTOBER[0]))) == ("invalid_interval",)
    assert reasons(report(), now=OCTOBER[1] - dt.timedelta(minutes=6)) == ("in_future",)
    assert reasons(report(), now=OCTOBER[1] + dt.timedelta(days=30)) == ()
    assert reasons(report(), now=OCTOBER[1] + dt.timedelta(days=30, seconds=1)) == ("stale",)
    long = (OCTOBER[0] - dt.timedelta(seconds=1), OCTOBER[1])
    assert reasons(report(period=long)) == ("period_too_long",)


def test_every_own_reason_code_has_a_meaning() -> None:
    own = {"not_eligible", "meter_rollback", "implausible_distance", "period_too_long"}
    assert own <= set(NEV.reasons)
    assert all(len(meaning) == 2 and all(meaning) for meaning in NEV.reasons.values())


def test_evidence_is_bounded() -> None:
    with pytest.raises(ValueError, match="odometer_end_km"):
        report("1", start_km="999999.9")
    with pytest.raises(ValueError, match="odometer_start_km"):
        report("1", start_km="100.05")
    with pytest.raises(ValueError, match="period_end"):
        report(period=(OCTOBER[0], dt.datetime(2026, 11, 1)))  # naive on purpose
    with pytest.raises(ValueError, match="colour"):
        NevDrivingEvidence.model_validate(NEV.example | {"colour": "red"})


# -- what the service enforces around it -----------------------------------------------------------------


def test_declarations_for_the_service() -> None:
    evidence = report("1000")
    assert NEV.occurred_at(evidence) == OCTOBER[1]
    assert NEV.history_key(evidence) == "nev:LGXCE4CB0P0123456"
    assert NevDrivingEvidence.identifiers() == {"vin": "vin"}
    [exclusive] = NEV.exclusive(evidence, PARAMS)
    assert (exclusive.group, exclusive.member, exclusive.period) == ("ev_route", "odometer", "month")
    assert "charging" in exclusive.members
    period, odometer = NEV.occupancy(evidence)
    assert (period.scope, period.start, period.end, period.per_resident) == (
        "nev_period:LGXCE4CB0P0123456",
        *OCTOBER,
        False,
    )
    assert (odometer.scope, odometer.per_resident) == ("nev_odometer:LGXCE4CB0P0123456", False)
    resident, vehicle = NEV.caps(evidence, PARAMS)
    assert (resident.per_resident, vehicle.per_resident, vehicle.scope) == (
        True,
        False,
        "vehicle:LGXCE4CB0P0123456",
    )
    assert resident.limit == vehicle.limit == Decimal("133238")


odometer_range = st.tuples(
    st.integers(min_value=0, max_value=9_999_999), st.integers(min_value=0, max_value=60_000)
)


@settings(max_examples=60, deadline=None)
@given(a=odometer_range, b=odometer_range)
def test_odometer_spans_overlap_exactly_when_the_km_do(a: tuple[int, int], b: tuple[int, int]) -> None:
    def span(start: int, length: int) -> tuple[Decimal, Decimal, dt.datetime, dt.datetime]:
        low, high = Decimal(start) / 10, min(Decimal(start + length) / 10, Decimal("999999.9"))
        [_, odometer] = NEV.occupancy(report(start_km=str(low), odometer_end_km=str(high)))
        return low, high, odometer.start, odometer.end

    low_a, high_a, start_a, end_a = span(*a)
    low_b, high_b, start_b, end_b = span(*b)
    assert (start_a < end_b and start_b < end_a) == (low_a < high_b and low_b < high_a)


def test_the_readme_parameter_table_is_params_describe() -> None:
    assert readme_parameters(NEV.readme) == [
        (p["name"], str(p["default"]), p["unit"], p["source"], str(p["year"])) for p in PARAMS.describe()
    ]


def test_the_registry_accepts_it() -> None:
    registry = Registry()
    registry.add("nev_driving", VERSIONS)
    methodology = registry.current("nev_driving")
    assert (methodology.version, methodology.family) == ("1.0.0", "new_energy_vehicles")
    assert NEV.verify(NevDrivingEvidence.model_validate(NEV.example), PARAMS, Context(NOW, ZONE)).accepted


def readme_parameters(readme: str) -> list[tuple[str, ...]]:
    """The rows of the README's "Parameters" table: (name, value, unit, source, year)."""
    section = readme.split("## Parameters", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [tuple(cell.strip().strip("`") for cell in row.strip("|").split(" | ")) for row in rows]


# -- properties of the quantification ----------------------------------------------------------------------

km = st.decimals(min_value=0, max_value=Decimal("15500"), places=1)
ratio = st.decimals(min_value=Decimal("0.01"), max_value=1, places=2)


def sound(quantity: Quantity) -> None:
    assert quantity.grams >= 0
    assert quantity.grams == int(quantity.exact_grams // 1)
    assert 0 <= quantity.exact_grams - quantity.grams < 1


@settings(max_examples=60, deadline=None)
@given(a=km, b=km)
def test_never_negative_floored_once_and_monotone_in_km(a: Decimal, b: Decimal) -> None:
    short, long_ = sorted((a, b))
    first, second = NEV.quantify(report(str(short)), PARAMS), NEV.quantify(report(str(long_)), PARAMS)
    sound(first)
    sound(second)
    assert first.grams <= second.grams
    assert first.exact_grams == short * Decimal("66.619")


@settings(max_examples=60, deadline=None)
@given(distance=km, start=st.decimals(min_value=0, max_value=Decimal("900000"), places=1))
def test_pure(distance: Decimal, start: Decimal) -> None:
    evidence = report(str(distance), start_km=str(start))
    assert NEV.quantify(evidence, PARAMS).breakdown() == NEV.quantify(evidence, PARAMS).breakdown()
    # Where the odometer stood does not matter, only how far it moved.
    assert (
        NEV.quantify(evidence, PARAMS).exact_grams == NEV.quantify(report(str(distance)), PARAMS).exact_grams
    )


@settings(max_examples=60, deadline=None)
@given(distance=km, conservativeness=ratio)
def test_conservativeness_scales_it_down(distance: Decimal, conservativeness: Decimal) -> None:
    evidence = report(str(distance))
    full = NEV.quantify(evidence, PARAMS)
    scaled = NEV.quantify(evidence, NevDrivingParams(conservativeness=conservativeness))
    sound(scaled)
    assert scaled.exact_grams == full.exact_grams * conservativeness
    assert scaled.grams <= full.grams


@settings(max_examples=60, deadline=None)
@given(grid=st.decimals(min_value=1, max_value=2000, places=1), distance=km)
def test_an_ev_dirtier_than_the_baseline_car_earns_nothing_and_is_never_negative(
    grid: Decimal, distance: Decimal
) -> None:
    params = NevDrivingParams(grid_consumed_g_per_kwh=grid)
    quantity = NEV.quantify(report(str(distance)), params)
    sound(quantity)
    assert all(cap.limit >= 0 for cap in NEV.caps(report(str(distance)), params))
