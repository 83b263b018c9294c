"""online_bill: the worked examples of methodologies.md, every reason code, the README's parameter table, and
properties of the quantification."""

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
from methodologies.online_bill import VERSIONS
from methodologies.online_bill.v1 import OnlineBillParams
from service.methodology.registry import Registry
from tests.methodologies.decisions import credit_in_order, readme_parameters

ZONE = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 20, 0, tzinfo=ZONE)
CONTEXT = Context(now=NOW, zone=ZONE)
BILL = VERSIONS[0]


def bill(
    utility: str = "electricity",
    account: str = "3602011234567",
    month: str = "2026-10",
    paid_at: dt.datetime = dt.datetime(2026, 11, 5, 20, 14, tzinfo=ZONE),
    amount_fen: int = 18650,
    paperless: bool = True,
) -> dict[str, Any]:
    return {
        "utility": utility,
        "account": account,
        "billing_month": month,
        "paid_at": paid_at.isoformat(),
        "amount_fen": amount_fen,
        "paperless": paperless,
    }


def reasons_of(evidence: dict[str, Any], context: Context = CONTEXT) -> tuple[str, ...]:
    return BILL.verify(BILL.Evidence.model_validate(evidence), BILL.Params(), context).reasons


def grams_of(evidence: dict[str, Any], params: OnlineBillParams | None = None) -> Quantity:
    return BILL.quantify(BILL.Evidence.model_validate(evidence), params or BILL.Params())


# --- worked examples (methodologies.md) -------------------------------------------------------------------


def test_one_paperless_bill_is_worth_5_grams() -> None:
    assert reasons_of(bill()) == ()
    quantity = grams_of(bill())
    assert (quantity.grams, quantity.exact_grams, quantity.gas) == (5, Decimal(5), "CO2")
    assert quantity.breakdown()["baseline_grams"] is None
    assert {f.name for f in quantity.factors} == {
        "paperless_g_per_bill",
        "counter_trip_avoided_g",
        "conservativeness",
    }


def test_three_paperless_bills_in_one_month_are_15_grams() -> None:
    reports = [
        bill("electricity", "E-1", paid_at=dt.datetime(2026, 11, 5, 9, 0, tzinfo=ZONE)),
        bill("water", "W-1", paid_at=dt.datetime(2026, 11, 10, 9, 0, tzinfo=ZONE), amount_fen=4200),
        bill("gas", "G-1", paid_at=dt.datetime(2026, 11, 12, 9, 0, tzinfo=ZONE), amount_fen=6100),
    ]
    decisions = credit_in_order(BILL, reports, NOW)
    assert [d.verdict.reasons for d in decisions] == [(), (), ()]
    assert [d.credited_grams for d in decisions] == [5, 5, 5]
    assert sum(d.credited_grams for d in decisions) == 15


def test_the_same_bill_twice_and_an_eleventh_bill_in_a_month_are_rejected() -> None:
    eleven = [bill("electricity", f"E-{n}", paid_at=NOW - dt.timedelta(days=1, hours=n)) for n in range(11)]
    decisions = credit_in_order(BILL, [*eleven[:10], eleven[0], eleven[10]], NOW)
    assert [d.credited_grams for d in decisions] == [5] * 10 + [0, 0]
    assert "duplicate_evidence" in decisions[10].verdict.reasons
    assert decisions[11].verdict.reasons == ("monthly_cap",)


def test_the_same_account_number_at_two_utilities_is_two_accounts() -> None:
    decisions = credit_in_order(BILL, [bill("electricity", "123"), bill("water", "123")], NOW)
    assert [d.credited_grams for d in decisions] == [5, 5]


# --- reason codes -----------------------------------------------------------------------------------------


def test_paper_bills_are_not_credited() -> None:
    assert reasons_of(bill(paperless=False)) == ("not_paperless",)
    assert grams_of(bill(paperless=False)).grams == 0


def test_amounts_below_one_yuan_are_too_small() -> None:
    assert reasons_of(bill(amount_fen=99)) == ("too_small",)
    assert reasons_of(bill(amount_fen=100)) == ()


def test_payments_after_now_and_bills_for_later_months_are_in_the_future() -> None:
    assert reasons_of(bill(month="2026-11", paid_at=NOW + dt.timedelta(minutes=6))) == ("in_future",)
    assert reasons_of(bill(month="2026-11", paid_at=NOW + dt.timedelta(minutes=4))) == ()
    # Paid in October (local time) for November: no November bill exists yet.
    late_october = dt.datetime(2026, 10, 31, 23, 30, tzinfo=ZONE)
    assert reasons_of(bill(month="2026-11", paid_at=late_october)) == ("in_future",)
    # 23:30 on 31 October in UTC is already November in the city: its zone decides the month.
    assert reasons_of(bill(month="2026-11", paid_at=dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC))) == ()


def test_old_payments_and_bills_for_months_long_past_are_stale() -> None:
    assert reasons_of(bill(paid_at=NOW - dt.timedelta(days=45, minutes=1))) == ("stale",)
    assert reasons_of(bill(month="2026-09", paid_at=NOW - dt.timedelta(days=44))) == ()
    assert reasons_of(bill(month="2026-09", paid_at=dt.datetime(2026, 11, 1, 9, 0, tzinfo=ZONE))) == ()
    assert reasons_of(bill(month="2026-08", paid_at=dt.datetime(2026, 11, 1, 9, 0, tzinfo=ZONE))) == (
        "stale",
    )
    assert reasons_of(bill(month="2025-11", paid_at=dt.datetime(2026, 11, 1, 9, 0, tzinfo=ZONE))) == (
        "stale",
    )


def test_every_reason_code_has_its_meaning() -> None:
    for code in ("too_small", "not_paperless", "in_future", "stale", "duplicate_evidence"):
        chinese, english = BILL.reasons[code]
        assert chinese
        assert english


@pytest.mark.parametrize(
    "change",
    [
        {"utility": "heating"},
        {"billing_month": "2026-13"},
        {"billing_month": "2026-1"},
        {"billing_month": "1999-12"},
        {"paid_at": "2026-11-05T20:14:03"},  # no zone
        {"amount_fen": -1},
        {"amount_fen": 10_000_001},
        {"account": ""},
        {"payer_name": "张三"},  # unknown fields are refused, not stored
    ],
)
def test_nonsense_evidence_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        BILL.Evidence.model_validate(bill() | change)


# --- declarations -----------------------------------------------------------------------------------------


def test_the_registry_accepts_it_and_its_example() -> None:
    registry = Registry()
    registry.add("online_bill", VERSIONS)
    methodology = registry.current("online_bill")
    assert (methodology.version, methodology.family) == ("1.0.0", "online_payment")
    assert reasons_of(methodology.example) == ()


def test_the_account_number_is_an_identifier_tanbi_hashes() -> None:
    assert BILL.Evidence.identifiers() == {"account": "utility_account"}


def test_the_claim_is_per_utility_account_and_billing_month() -> None:
    evidence = BILL.Evidence.model_validate(bill(account="hk1:" + "a" * 64))
    assert [c.key for c in BILL.claims(evidence)] == ["online_bill:electricity:hk1:" + "a" * 64 + ":2026-10"]
    cap = BILL.caps(evidence, BILL.Params())[0]
    assert (cap.reason, cap.measure, cap.period, cap.limit) == ("monthly_cap", "actions", "month", 10)
    assert BILL.occurred_at(evidence) == evidence.paid_at


def test_readme_parameter_table_is_params_describe() -> None:
    described = [
        (p["name"], str(p["default"]), p["unit"], p["source"], str(p["year"]))
        for p in OnlineBillParams.describe()
    ]
    assert readme_parameters(BILL.readme) == described


# --- properties -------------------------------------------------------------------------------------------

grams_per_bill = st.decimals(min_value=0, max_value=1000, places=3)
ratios = st.decimals(min_value=Decimal("0.001"), max_value=1, places=3)


def sound(quantity: Quantity) -> None:
    assert quantity.grams >= 0
    assert quantity.grams == int(quantity.exact_grams // 1)
    assert 0 <= quantity.exact_grams - quantity.grams < 1


@settings(max_examples=60, deadline=None)
@given(paper=grams_per_bill, trip=grams_per_bill, paperless=st.booleans(), conservativeness=ratios)
def test_quantify_is_never_negative_and_floored_once(
    paper: Decimal, trip: Decimal, paperless: bool, conservativeness: Decimal
) -> None:
    params = OnlineBillParams(
        paperless_g_per_bill=paper, counter_trip_avoided_g=trip, conservativeness=conservativeness
    )
    quantity = grams_of(bill(paperless=paperless), params)
    sound(quantity)
    assert quantity.exact_grams == ((paper if paperless else 0) + trip) * conservativeness


@settings(max_examples=60, deadline=None)
@given(a=grams_per_bill, b=grams_per_bill, trip=grams_per_bill)
def test_quantify_is_monotone_in_its_factors_and_in_paperless(a: Decimal, b: Decimal, trip: Decimal) -> None:
    low, high = sorted((a, b))

    def worth(paper: Decimal, trip_g: Decimal, paperless: bool = True) -> int:
        params = OnlineBillParams(paperless_g_per_bill=paper, counter_trip_avoided_g=trip_g)
        return grams_of(bill(paperless=paperless), params).grams

    assert worth(low, trip) <= worth(high, trip)
    assert worth(high, low) <= worth(high, high)
    assert worth(high, trip, paperless=False) <= worth(high, trip, paperless=True)


@settings(max_examples=60, deadline=None)
@given(
    utility=st.sampled_from(["electricity", "water", "gas"]),
    amount=st.integers(min_value=0, max_value=10_000_000),
    paperless=st.booleans(),
    conservativeness=ratios,
)
def test_quantify_is_pure_and_conservativeness_scales_it_down(
    utility: str, amount: int, paperless: bool, conservativeness: Decimal
) -> None:
    evidence = bill(utility=utility, amount_fen=amount, paperless=paperless)
    full = grams_of(evidence)
    assert grams_of(evidence).breakdown() == full.breakdown()
    scaled = grams_of(evidence, OnlineBillParams(conservativeness=conservativeness))
    assert scaled.exact_grams == full.exact_grams * conservativeness
    assert scaled.grams <= full.grams
