"""second_hand_phone 1.0.0 straight from the methodology: the worked examples, every reason code, the
README's parameter table, and properties of the quantification."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from methodologies._sdk import Context, Quantity
from methodologies.second_hand_phone import VERSIONS
from methodologies.second_hand_phone.v1 import (
    PhonePurchaseEvidence,
    SecondHandPhoneParams,
    SecondHandPhoneV1,
    add_months,
)
from service.actions.caps import apply_caps, counter_key
from service.methodology.registry import Registry

ZONE = ZoneInfo("Asia/Shanghai")
BOUGHT = dt.datetime(2026, 11, 18, 15, 32, tzinfo=ZONE)
NOW = dt.datetime(2026, 11, 20, 20, 0, tzinfo=ZONE)
PHONE = SecondHandPhoneV1()
PARAMS = SecondHandPhoneParams()


def purchase(bought_at: dt.datetime = BOUGHT, **fields: Any) -> PhonePurchaseEvidence:
    return PhonePurchaseEvidence.model_validate(
        {"imei": "490154203237518", "bought_at": bought_at, "condition": "used"} | fields
    )


def reasons(evidence: PhonePurchaseEvidence, now: dt.datetime = NOW, previous: Any = None) -> tuple[str, ...]:
    return PHONE.verify(evidence, PARAMS, Context(now=now, zone=ZONE, previous=previous)).reasons


# -- worked examples (methodologies.md, v2: second_hand_phone) -----------------------------------------------


def test_one_phone_gives_12500_grams() -> None:
    evidence = PhonePurchaseEvidence.model_validate(PHONE.example)
    assert reasons(evidence) == ()
    quantity = PHONE.quantify(evidence, PARAMS)
    assert quantity.grams == 12500
    assert quantity.exact_grams == Decimal("12500")
    assert quantity.gas == "CO2e"
    assert {f.name: f.value for f in quantity.factors} == {
        "phone_embodied_kg": Decimal("25"),
        "substitution_ratio": Decimal("0.5"),
        "conservativeness": Decimal("1.0"),
    }


def test_a_third_phone_in_a_year_is_past_the_yearly_cap() -> None:
    evidence = purchase()
    [cap] = PHONE.caps(evidence, PARAMS)
    key = counter_key(PHONE.id, cap, 1, BOUGHT.date())
    assert key is not None
    assert key.endswith(":2026")
    assert apply_caps([(cap, key)], 12500, {key: 1_000_000}).reasons == []
    third = apply_caps([(cap, key)], 12500, {key: 2_000_000})
    assert (third.grams, third.reasons) == (0, ["yearly_cap"])


# -- every reason code --------------------------------------------------------------------------------------


@pytest.mark.parametrize("condition", ["new", "unknown"])
def test_only_second_hand_handsets_are_eligible(condition: str) -> None:
    assert reasons(purchase(condition=condition)) == ("not_eligible",)
    assert reasons(purchase(condition="refurbished")) == ()


def test_a_handset_first_activated_on_or_after_the_sale_was_new() -> None:
    assert reasons(purchase(first_activated_on="2026-11-18")) == ("not_eligible",)
    assert reasons(purchase(first_activated_on="2026-11-19")) == ("not_eligible",)
    assert reasons(purchase(first_activated_on="2026-11-17")) == ()


def test_one_credit_per_handset_per_24_months() -> None:
    previous = purchase(BOUGHT - relativedelta(months=23)).model_dump(mode="json")
    assert reasons(purchase(), previous=previous) == ("resold_too_soon",)
    just_in_time = purchase(BOUGHT - relativedelta(months=24)).model_dump(mode="json")
    assert reasons(purchase(), previous=just_in_time) == ()
    a_second_short = purchase(BOUGHT - relativedelta(months=24) + dt.timedelta(seconds=1))
    assert reasons(purchase(), previous=a_second_short.model_dump(mode="json")) == ("resold_too_soon",)


def test_times() -> None:
    assert reasons(purchase(), now=BOUGHT - dt.timedelta(minutes=6)) == ("in_future",)
    assert reasons(purchase(), now=BOUGHT - dt.timedelta(minutes=5)) == ()
    assert reasons(purchase(), now=BOUGHT + dt.timedelta(days=30)) == ()
    assert reasons(purchase(), now=BOUGHT + dt.timedelta(days=30, seconds=1)) == ("stale",)


def test_every_own_reason_code_has_a_meaning() -> None:
    assert {"not_eligible", "resold_too_soon", "yearly_cap", "duplicate_evidence"} <= set(PHONE.reasons)
    assert all(len(meaning) == 2 and all(meaning) for meaning in PHONE.reasons.values())


def test_evidence_is_strict() -> None:
    with pytest.raises(ValueError, match="bought_at"):
        purchase(dt.datetime(2026, 11, 18, 15, 32))  # naive on purpose
    with pytest.raises(ValueError, match="condition"):
        purchase(condition="like_new")
    with pytest.raises(ValueError, match="buyer"):
        PhonePurchaseEvidence.model_validate(PHONE.example | {"buyer": "13900000001"})


# -- what the service enforces around it -----------------------------------------------------------------


def test_declarations_for_the_service() -> None:
    evidence = purchase()
    assert PHONE.occurred_at(evidence) == BOUGHT
    assert PHONE.history_key(evidence) == "phone:490154203237518"
    assert PhonePurchaseEvidence.identifiers() == {"imei": "imei"}
    [held] = PHONE.occupancy(evidence)
    assert (held.scope, held.start, held.per_resident, held.reason) == (
        "phone:490154203237518",
        BOUGHT,
        False,
        "resold_too_soon",
    )
    assert held.end == BOUGHT + relativedelta(months=24)
    [claim] = PHONE.claims(evidence)
    assert claim.key == "second_hand_phone:490154203237518:2026-11-18T07:32:00+00:00"
    assert PHONE.claims(purchase(BOUGHT.astimezone(dt.UTC))) == (claim,), "the same sale in another zone"
    assert PHONE.exclusive(evidence, PARAMS) == ()


instants = st.datetimes(
    min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 12, 31), timezones=st.just(dt.UTC)
)


@settings(max_examples=60, deadline=None)
@given(a=instants, b=instants)
def test_two_purchases_overlap_exactly_when_the_history_check_refuses_the_later(
    a: dt.datetime, b: dt.datetime
) -> None:
    earlier, later = sorted((a, b))
    [held_a], [held_b] = PHONE.occupancy(purchase(earlier)), PHONE.occupancy(purchase(later))
    overlap = held_a.start < held_b.end and held_b.start < held_a.end
    refused = "resold_too_soon" in reasons(
        purchase(later), now=later, previous=purchase(earlier).model_dump(mode="json")
    )
    assert overlap == refused == (later < earlier + relativedelta(months=24))


@settings(max_examples=60, deadline=None)
@given(moment=instants, months=st.integers(min_value=0, max_value=240))
def test_add_months_is_calendar_months_in_utc(moment: dt.datetime, months: int) -> None:
    assert add_months(moment, months) == moment + relativedelta(months=months)
    assert add_months(moment.astimezone(ZONE), months) == add_months(moment, months)


def test_the_readme_parameter_table_is_params_describe() -> None:
    assert readme_parameters(PHONE.readme) == [
        (p["name"], str(p["default"]), p["unit"], p["source"], str(p["year"])) for p in PARAMS.describe()
    ]


def test_the_registry_accepts_it() -> None:
    registry = Registry()
    registry.add("second_hand_phone", VERSIONS)
    methodology = registry.current("second_hand_phone")
    assert (methodology.version, methodology.family) == ("1.0.0", "low_carbon_consumption")


def readme_parameters(readme: str) -> list[tuple[str, ...]]:
    """The rows of the README's "Parameters" table: (name, value, unit, source, year)."""
    section = readme.split("## Parameters", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [tuple(cell.strip().strip("`") for cell in row.strip("|").split(" | ")) for row in rows]


# -- properties of the quantification ----------------------------------------------------------------------

ratio = st.decimals(min_value=Decimal("0.001"), max_value=1, places=3)
kg = st.decimals(min_value=Decimal("0.1"), max_value=500, places=1)


def sound(quantity: Quantity) -> None:
    assert quantity.grams >= 0
    assert quantity.grams == int(quantity.exact_grams // 1)
    assert 0 <= quantity.exact_grams - quantity.grams < 1


@settings(max_examples=60, deadline=None)
@given(a=kg, b=kg, substitution=ratio)
def test_never_negative_floored_once_and_monotone_in_the_factors(
    a: Decimal, b: Decimal, substitution: Decimal
) -> None:
    low, high = sorted((a, b))
    first = PHONE.quantify(
        purchase(), SecondHandPhoneParams(phone_embodied_kg=low, substitution_ratio=substitution)
    )
    second = PHONE.quantify(
        purchase(), SecondHandPhoneParams(phone_embodied_kg=high, substitution_ratio=substitution)
    )
    sound(first)
    sound(second)
    assert first.grams <= second.grams
    assert first.exact_grams == low * 1000 * substitution


@settings(max_examples=60, deadline=None)
@given(bought_at=instants, condition=st.sampled_from(["used", "refurbished", "new", "unknown"]))
def test_pure_and_the_same_for_every_phone(bought_at: dt.datetime, condition: str) -> None:
    evidence = purchase(bought_at, condition=condition)
    assert PHONE.quantify(evidence, PARAMS).breakdown() == PHONE.quantify(evidence, PARAMS).breakdown()
    assert PHONE.quantify(evidence, PARAMS).exact_grams == Decimal(12500)


@settings(max_examples=60, deadline=None)
@given(conservativeness=ratio)
def test_conservativeness_scales_it_down(conservativeness: Decimal) -> None:
    scaled = PHONE.quantify(purchase(), SecondHandPhoneParams(conservativeness=conservativeness))
    sound(scaled)
    assert scaled.exact_grams == Decimal(12500) * conservativeness
    assert scaled.grams <= 12500
