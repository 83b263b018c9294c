"""no_cutlery_order: the worked examples of methodologies.md, every reason code, the README's parameter table,
and properties of the quantification."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from methodologies._sdk import Context, Quantity
from methodologies.no_cutlery_order import VERSIONS
from methodologies.no_cutlery_order.v1 import NoCutleryOrderParams
from service.methodology.registry import Registry
from tests.methodologies.decisions import credit_in_order, readme_parameters

ZONE = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 20, 0, tzinfo=ZONE)
CONTEXT = Context(now=NOW, zone=ZONE)
ORDER = VERSIONS[0]


def order(
    number: str = "3018269112745530091",
    ordered_at: dt.datetime = NOW - dt.timedelta(hours=8),
    no_cutlery: bool = True,
) -> dict[str, Any]:
    return {"order": number, "ordered_at": ordered_at.isoformat(), "no_cutlery": no_cutlery}


def reasons_of(evidence: dict[str, Any], context: Context = CONTEXT) -> tuple[str, ...]:
    return ORDER.verify(ORDER.Evidence.model_validate(evidence), ORDER.Params(), context).reasons


def grams_of(evidence: dict[str, Any], params: NoCutleryOrderParams | None = None) -> Quantity:
    return ORDER.quantify(ORDER.Evidence.model_validate(evidence), params or ORDER.Params())


# --- worked examples (methodologies.md) -------------------------------------------------------------------


def test_one_order_without_cutlery_is_worth_10_grams() -> None:
    assert reasons_of(order()) == ()
    quantity = grams_of(order())
    assert (quantity.grams, quantity.exact_grams, quantity.gas) == (10, Decimal(10), "CO2")
    assert quantity.breakdown()["baseline_grams"] is None
    assert [(f.name, f.value) for f in quantity.factors] == [
        ("chopsticks_g_per_pair", Decimal(20)),
        ("compliance", Decimal("0.5")),
        ("conservativeness", Decimal("1.0")),
    ]


def test_four_orders_in_one_day_credit_three_30_grams() -> None:
    lunch = dt.datetime(2026, 11, 19, 11, 30, tzinfo=ZONE)
    four = [order(f"30182691127455300{n:02d}", lunch + dt.timedelta(hours=3 * n)) for n in range(4)]
    decisions = credit_in_order(ORDER, four, NOW)
    assert [d.credited_grams for d in decisions] == [10, 10, 10, 0]
    assert decisions[3].verdict.reasons == ("daily_cap",)
    assert sum(d.credited_grams for d in decisions) == 30


def test_the_same_order_twice_is_credited_once() -> None:
    decisions = credit_in_order(ORDER, [order(), order()], NOW)
    assert [d.credited_grams for d in decisions] == [10, 0]
    assert decisions[1].verdict.reasons == ("duplicate_evidence",)


# --- reason codes -----------------------------------------------------------------------------------------


def test_orders_with_cutlery_are_not_credited() -> None:
    assert reasons_of(order(no_cutlery=False)) == ("cutlery_requested",)
    assert grams_of(order(no_cutlery=False)).grams == 0


def test_orders_after_now_are_in_the_future() -> None:
    assert reasons_of(order(ordered_at=NOW + dt.timedelta(minutes=6))) == ("in_future",)
    assert reasons_of(order(ordered_at=NOW + dt.timedelta(minutes=4))) == ()


def test_orders_older_than_30_days_are_stale() -> None:
    assert reasons_of(order(ordered_at=NOW - dt.timedelta(days=30, minutes=1))) == ("stale",)
    assert reasons_of(order(ordered_at=NOW - dt.timedelta(days=29, hours=23))) == ()


def test_every_reason_code_of_its_own_has_its_meaning() -> None:
    for code in ("cutlery_requested", "duplicate_evidence", "daily_cap"):
        chinese, english = ORDER.reasons[code]
        assert chinese
        assert english


@pytest.mark.parametrize(
    "change",
    [
        {"ordered_at": "2026-11-19T11:52:40"},  # no zone
        {"order": ""},
        {"no_cutlery": "maybe"},
        {"cutlery_sets": 0},  # unknown fields are refused, not stored
    ],
)
def test_nonsense_evidence_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ORDER.Evidence.model_validate(order() | change)


# --- declarations -----------------------------------------------------------------------------------------


def test_the_registry_accepts_it_and_its_example() -> None:
    registry = Registry()
    registry.add("no_cutlery_order", VERSIONS)
    methodology = registry.current("no_cutlery_order")
    assert (methodology.version, methodology.family) == ("1.0.0", "low_carbon_consumption")
    assert reasons_of(methodology.example) == ()


def test_the_order_number_is_an_identifier_tanbi_hashes() -> None:
    assert ORDER.Evidence.identifiers() == {"order": "takeaway_order"}


def test_the_claim_is_per_order_and_the_cap_per_day() -> None:
    evidence = ORDER.Evidence.model_validate(order("hk1:" + "c" * 64))
    assert [c.key for c in ORDER.claims(evidence)] == ["no_cutlery_order:hk1:" + "c" * 64]
    cap = ORDER.caps(evidence, ORDER.Params())[0]
    assert (cap.reason, cap.measure, cap.period, cap.limit) == ("daily_cap", "actions", "day", 3)
    assert ORDER.occurred_at(evidence) == evidence.ordered_at


def test_readme_parameter_table_is_params_describe() -> None:
    described = [
        (p["name"], str(p["default"]), p["unit"], p["source"], str(p["year"]))
        for p in NoCutleryOrderParams.describe()
    ]
    assert readme_parameters(ORDER.readme) == described


# --- properties -------------------------------------------------------------------------------------------

grams_per_pair = st.decimals(min_value=0, max_value=200, places=3)
ratios = st.decimals(min_value=0, max_value=1, places=3)
positive_ratios = st.decimals(min_value=Decimal("0.001"), max_value=1, places=3)


def sound(quantity: Quantity) -> None:
    assert quantity.grams >= 0
    assert quantity.grams == int(quantity.exact_grams // 1)
    assert 0 <= quantity.exact_grams - quantity.grams < 1


@settings(max_examples=60, deadline=None)
@given(pair=grams_per_pair, compliance=ratios, no_cutlery=st.booleans(), conservativeness=positive_ratios)
def test_quantify_is_never_negative_and_floored_once(
    pair: Decimal, compliance: Decimal, no_cutlery: bool, conservativeness: Decimal
) -> None:
    params = NoCutleryOrderParams(
        chopsticks_g_per_pair=pair, compliance=compliance, conservativeness=conservativeness
    )
    quantity = grams_of(order(no_cutlery=no_cutlery), params)
    sound(quantity)
    assert quantity.exact_grams == (pair * compliance if no_cutlery else 0) * conservativeness


@settings(max_examples=60, deadline=None)
@given(a=grams_per_pair, b=grams_per_pair, c=ratios, d=ratios)
def test_quantify_is_monotone_in_its_factors_and_in_no_cutlery(
    a: Decimal, b: Decimal, c: Decimal, d: Decimal
) -> None:
    (low, high), (less, more) = sorted((a, b)), sorted((c, d))

    def worth(pair: Decimal, compliance: Decimal, no_cutlery: bool = True) -> int:
        params = NoCutleryOrderParams(chopsticks_g_per_pair=pair, compliance=compliance)
        return grams_of(order(no_cutlery=no_cutlery), params).grams

    assert worth(low, more) <= worth(high, more)
    assert worth(high, less) <= worth(high, more)
    assert worth(high, more, no_cutlery=False) <= worth(high, more)


@settings(max_examples=60, deadline=None)
@given(
    at=st.integers(min_value=-60 * 24 * 40, max_value=60).map(lambda m: NOW + dt.timedelta(minutes=m)),
    no_cutlery=st.booleans(),
    conservativeness=positive_ratios,
)
def test_quantify_is_pure_and_conservativeness_scales_it_down(
    at: dt.datetime, no_cutlery: bool, conservativeness: Decimal
) -> None:
    evidence = order(ordered_at=at, no_cutlery=no_cutlery)
    full = grams_of(evidence)
    assert grams_of(evidence).breakdown() == full.breakdown()
    scaled = grams_of(evidence, NoCutleryOrderParams(conservativeness=conservativeness))
    assert scaled.exact_grams == full.exact_grams * conservativeness
    assert scaled.grams <= full.grams
