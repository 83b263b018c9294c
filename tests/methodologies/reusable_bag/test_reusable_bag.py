"""reusable_bag: the worked examples, every reason code, the README's parameter table, and properties of the
quantification."""

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
from methodologies.reusable_bag import VERSIONS
from methodologies.reusable_bag.v1 import ReusableBagParams
from service.methodology.registry import Registry
from tests.methodologies.decisions import credit_in_order, readme_parameters

ZONE = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 20, 0, tzinfo=ZONE)
CONTEXT = Context(now=NOW, zone=ZONE)
BAG = VERSIONS[0]


def receipt(
    number: str = "0127-20261120-000318",
    purchased_at: dt.datetime = NOW - dt.timedelta(hours=2),
    bags: int = 0,
) -> dict[str, Any]:
    return {"receipt": number, "purchased_at": purchased_at.isoformat(), "plastic_bags_bought": bags}


def reasons_of(evidence: dict[str, Any], context: Context = CONTEXT) -> tuple[str, ...]:
    return BAG.verify(BAG.Evidence.model_validate(evidence), BAG.Params(), context).reasons


def grams_of(evidence: dict[str, Any], params: ReusableBagParams | None = None) -> Quantity:
    return BAG.quantify(BAG.Evidence.model_validate(evidence), params or BAG.Params())


# --- worked examples (README) -----------------------------------------------------------------------------


def test_one_receipt_without_a_bag_is_worth_5_grams() -> None:
    assert reasons_of(receipt()) == ()
    quantity = grams_of(receipt())
    assert (quantity.grams, quantity.exact_grams, quantity.gas) == (5, Decimal(5), "CO2")
    assert quantity.breakdown()["baseline_grams"] is None
    assert [f.name for f in quantity.factors] == ["reusable_bag_g", "conservativeness"]


def test_four_receipts_in_one_day_credit_three_15_grams() -> None:
    morning = dt.datetime(2026, 11, 19, 8, 0, tzinfo=ZONE)
    four = [receipt(f"0127-20261119-00{n:04d}", morning + dt.timedelta(hours=3 * n)) for n in range(4)]
    decisions = credit_in_order(BAG, four, NOW)
    assert [d.credited_grams for d in decisions] == [5, 5, 5, 0]
    assert decisions[3].verdict.reasons == ("daily_cap",)
    assert sum(d.credited_grams for d in decisions) == 15


def test_the_same_receipt_twice_is_credited_once() -> None:
    decisions = credit_in_order(BAG, [receipt(), receipt()], NOW)
    assert [d.credited_grams for d in decisions] == [5, 0]
    assert decisions[1].verdict.reasons == ("duplicate_evidence",)


# --- reason codes -----------------------------------------------------------------------------------------


def test_receipts_with_a_plastic_bag_are_not_credited() -> None:
    assert reasons_of(receipt(bags=1)) == ("bag_bought",)
    assert reasons_of(receipt(bags=3)) == ("bag_bought",)
    assert grams_of(receipt(bags=1)).grams == 0


def test_purchases_after_now_are_in_the_future() -> None:
    assert reasons_of(receipt(purchased_at=NOW + dt.timedelta(minutes=6))) == ("in_future",)
    assert reasons_of(receipt(purchased_at=NOW + dt.timedelta(minutes=4))) == ()


def test_purchases_older_than_30_days_are_stale() -> None:
    assert reasons_of(receipt(purchased_at=NOW - dt.timedelta(days=30, minutes=1))) == ("stale",)
    assert reasons_of(receipt(purchased_at=NOW - dt.timedelta(days=29, hours=23))) == ()


def test_every_reason_code_of_its_own_has_its_meaning() -> None:
    for code in ("bag_bought", "duplicate_evidence", "daily_cap"):
        chinese, english = BAG.reasons[code]
        assert chinese
        assert english


@pytest.mark.parametrize(
    "change",
    [
        {"purchased_at": "2026-11-19T18:06:51"},  # no zone
        {"receipt": ""},
        {"plastic_bags_bought": -1},
        {"plastic_bags_bought": 51},
        {"own_bag": True},  # unknown fields are refused, not stored
    ],
)
def test_nonsense_evidence_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        BAG.Evidence.model_validate(receipt() | change)


# --- declarations -----------------------------------------------------------------------------------------


def test_the_registry_accepts_it_and_its_example() -> None:
    registry = Registry()
    registry.add("reusable_bag", VERSIONS)
    methodology = registry.current("reusable_bag")
    assert (methodology.version, methodology.family) == ("1.0.0", "low_carbon_consumption")
    assert reasons_of(methodology.example) == ()


def test_the_receipt_number_is_an_identifier_tanbi_hashes() -> None:
    assert BAG.Evidence.identifiers() == {"receipt": "receipt"}


def test_the_claim_is_per_receipt_and_the_cap_per_day() -> None:
    evidence = BAG.Evidence.model_validate(receipt("hk1:" + "d" * 64))
    assert [c.key for c in BAG.claims(evidence)] == ["reusable_bag:hk1:" + "d" * 64]
    cap = BAG.caps(evidence, BAG.Params())[0]
    assert (cap.reason, cap.measure, cap.period, cap.limit) == ("daily_cap", "actions", "day", 3)
    assert BAG.occurred_at(evidence) == evidence.purchased_at


def test_readme_parameter_table_is_params_describe() -> None:
    described = [
        (p["name"], str(p["default"]), p["unit"], p["source"], str(p["year"]))
        for p in ReusableBagParams.describe()
    ]
    assert readme_parameters(BAG.readme) == described


# --- properties -------------------------------------------------------------------------------------------

grams_per_purchase = st.decimals(min_value=0, max_value=100, places=3)
positive_ratios = st.decimals(min_value=Decimal("0.001"), max_value=1, places=3)
bags = st.integers(min_value=0, max_value=50)


def sound(quantity: Quantity) -> None:
    assert quantity.grams >= 0
    assert quantity.grams == int(quantity.exact_grams // 1)
    assert 0 <= quantity.exact_grams - quantity.grams < 1


@settings(max_examples=60, deadline=None)
@given(per_purchase=grams_per_purchase, bought=bags, conservativeness=positive_ratios)
def test_quantify_is_never_negative_and_floored_once(
    per_purchase: Decimal, bought: int, conservativeness: Decimal
) -> None:
    params = ReusableBagParams(reusable_bag_g=per_purchase, conservativeness=conservativeness)
    quantity = grams_of(receipt(bags=bought), params)
    sound(quantity)
    assert quantity.exact_grams == (per_purchase if bought == 0 else 0) * conservativeness


@settings(max_examples=60, deadline=None)
@given(a=grams_per_purchase, b=grams_per_purchase, fewer=bags, more=bags)
def test_quantify_is_monotone_in_its_factor_and_never_rewards_more_bags(
    a: Decimal, b: Decimal, fewer: int, more: int
) -> None:
    low, high = sorted((a, b))
    fewer, more = sorted((fewer, more))

    def worth(per_purchase: Decimal, bought: int = 0) -> int:
        return grams_of(receipt(bags=bought), ReusableBagParams(reusable_bag_g=per_purchase)).grams

    assert worth(low) <= worth(high)
    assert worth(high, more) <= worth(high, fewer)


@settings(max_examples=60, deadline=None)
@given(
    at=st.integers(min_value=-60 * 24 * 40, max_value=60).map(lambda m: NOW + dt.timedelta(minutes=m)),
    bought=bags,
    conservativeness=positive_ratios,
)
def test_quantify_is_pure_and_conservativeness_scales_it_down(
    at: dt.datetime, bought: int, conservativeness: Decimal
) -> None:
    evidence = receipt(purchased_at=at, bags=bought)
    full = grams_of(evidence)
    assert grams_of(evidence).breakdown() == full.breakdown()
    scaled = grams_of(evidence, ReusableBagParams(conservativeness=conservativeness))
    assert scaled.exact_grams == full.exact_grams * conservativeness
    assert scaled.grams <= full.grams
