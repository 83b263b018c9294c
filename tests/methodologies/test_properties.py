"""Properties of every quantification: never negative, floored once, monotone in distance or energy, pure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from methodologies._sdk import Params, Quantity, factor
from service.methodology.registry import load_registry
from tests.methodologies.test_worked_examples import charge, ride, solar, trip

REGISTRY = load_registry()
metres = st.integers(min_value=1, max_value=200_000)
kwh = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("500"), places=3)
JUNE_1 = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def grams(methodology_id: str, evidence: dict) -> Quantity:  # type: ignore[type-arg]
    methodology = REGISTRY.current(methodology_id)
    return methodology.quantify(methodology.Evidence.model_validate(evidence), methodology.Params())


def sound(quantity: Quantity) -> None:
    assert quantity.grams >= 0
    assert quantity.exact_grams >= 0
    assert quantity.grams == int(quantity.exact_grams // 1)
    assert quantity.exact_grams - quantity.grams < 1


@settings(max_examples=60, deadline=None)
@given(mode=st.sampled_from(["bus_trip", "metro_trip", "bike_share_ride"]), a=metres, b=metres)
def test_trips_are_monotone_in_distance(mode: str, a: int, b: int) -> None:
    short, long_ = sorted((a, b))
    make = ride if mode == "bike_share_ride" else trip
    first, second = (
        grams(mode, make(str(Decimal(short) / 1000), 600)),
        grams(mode, make(str(Decimal(long_) / 1000), 600)),
    )
    sound(first)
    sound(second)
    assert first.grams <= second.grams
    assert grams(mode, make(str(Decimal(short) / 1000), 600)).breakdown() == first.breakdown()


@settings(max_examples=60, deadline=None)
@given(a=kwh, b=kwh)
def test_charging_is_monotone_in_energy(a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    first, second = grams("ev_charging", charge(str(low), 24)), grams("ev_charging", charge(str(high), 24))
    sound(first)
    sound(second)
    assert first.grams <= second.grams


@settings(max_examples=60, deadline=None)
@given(a=kwh, b=kwh, gec=st.decimals(min_value=0, max_value=1000, places=3))
def test_solar_is_monotone_and_never_negative(a: Decimal, b: Decimal, gec: Decimal) -> None:
    low, high = sorted((a, b))
    end = JUNE_1 + dt.timedelta(days=2)
    first, second = (
        grams("rooftop_solar", solar(str(low), JUNE_1, end)),
        grams("rooftop_solar", solar(str(high), JUNE_1, end)),
    )
    assert first.grams <= second.grams
    sound(grams("rooftop_solar", solar(str(high), JUNE_1, end, gec=str(gec))))


def test_quantity_floors_once_and_clamps_negatives() -> None:
    assert Quantity.of(Decimal("0.999"), factors=(), formula="x").grams == 0
    assert Quantity.of(Decimal("134.5"), factors=(), formula="x").grams == 134
    negative = Quantity.of(Decimal("-12.5"), factors=(), formula="x")
    assert (negative.grams, negative.exact_grams) == (0, Decimal(0))


def test_params_without_provenance_are_refused() -> None:
    try:

        class Bad(Params):
            good: Decimal = factor("1", unit="g", source="somewhere", year=2026)
            bare: int = 3

    except TypeError as refused:
        assert "bare.unit" in str(refused)
        assert "good" not in str(refused).split(":", 1)[1]
    else:
        raise AssertionError("a parameter without unit, source and year was accepted")
