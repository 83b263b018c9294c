"""e_invoice: the worked examples of methodologies.md, every reason code, the README's parameter table, and
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
from methodologies.e_invoice import VERSIONS
from methodologies.e_invoice.v1 import EInvoiceParams
from service.methodology.registry import Registry
from tests.methodologies.decisions import credit_in_order, readme_parameters

ZONE = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 20, 0, tzinfo=ZONE)
CONTEXT = Context(now=NOW, zone=ZONE)
INVOICE = VERSIONS[0]


def invoice(
    number: str = "26362000000012345678", issued_at: dt.datetime = NOW - dt.timedelta(hours=3)
) -> dict[str, Any]:
    return {"invoice": number, "issued_at": issued_at.isoformat()}


def reasons_of(evidence: dict[str, Any], context: Context = CONTEXT) -> tuple[str, ...]:
    return INVOICE.verify(INVOICE.Evidence.model_validate(evidence), INVOICE.Params(), context).reasons


def grams_of(evidence: dict[str, Any], params: EInvoiceParams | None = None) -> Quantity:
    return INVOICE.quantify(INVOICE.Evidence.model_validate(evidence), params or INVOICE.Params())


# --- worked examples (methodologies.md) -------------------------------------------------------------------


def test_one_e_invoice_is_worth_5_grams() -> None:
    assert reasons_of(invoice()) == ()
    quantity = grams_of(invoice())
    assert (quantity.grams, quantity.exact_grams, quantity.gas) == (5, Decimal(5), "CO2")
    assert quantity.breakdown()["baseline_grams"] is None
    assert [f.name for f in quantity.factors] == ["e_invoice_g", "conservativeness"]


def test_seven_invoices_in_one_day_credit_five_25_grams() -> None:
    day = dt.datetime(2026, 11, 19, 9, 0, tzinfo=ZONE)
    seven = [invoice(f"2636200000001234567{n}", day + dt.timedelta(hours=n)) for n in range(7)]
    decisions = credit_in_order(INVOICE, seven, NOW)
    assert [d.credited_grams for d in decisions] == [5, 5, 5, 5, 5, 0, 0]
    assert [d.verdict.reasons for d in decisions[5:]] == [("daily_cap",), ("daily_cap",)]
    assert sum(d.credited_grams for d in decisions) == 25


def test_the_next_local_day_has_its_own_five() -> None:
    # 23:00 and 01:00 in the city are two local days, although both are 15:00-17:00 UTC of one UTC day.
    late = dt.datetime(2026, 11, 18, 23, 0, tzinfo=ZONE)
    reports = [invoice(f"A{n}", late - dt.timedelta(minutes=n)) for n in range(5)]
    reports.append(invoice("B", late + dt.timedelta(hours=2)))
    assert [d.credited_grams for d in credit_in_order(INVOICE, reports, NOW)] == [5] * 6


def test_the_same_invoice_twice_is_credited_once() -> None:
    decisions = credit_in_order(INVOICE, [invoice(), invoice()], NOW)
    assert [d.credited_grams for d in decisions] == [5, 0]
    assert decisions[1].verdict.reasons == ("duplicate_evidence",)


# --- reason codes -----------------------------------------------------------------------------------------


def test_invoices_issued_after_now_are_in_the_future() -> None:
    assert reasons_of(invoice(issued_at=NOW + dt.timedelta(minutes=6))) == ("in_future",)
    assert reasons_of(invoice(issued_at=NOW + dt.timedelta(minutes=4))) == ()


def test_invoices_older_than_30_days_are_stale() -> None:
    assert reasons_of(invoice(issued_at=NOW - dt.timedelta(days=30, minutes=1))) == ("stale",)
    assert reasons_of(invoice(issued_at=NOW - dt.timedelta(days=29, hours=23))) == ()


def test_every_reason_code_of_its_own_has_its_meaning() -> None:
    for code in ("duplicate_evidence", "daily_cap"):
        chinese, english = INVOICE.reasons[code]
        assert chinese
        assert english


@pytest.mark.parametrize(
    "change",
    [
        {"issued_at": "2026-11-19T12:31:08"},  # no zone
        {"invoice": ""},
        {"invoice": "9" * 129},
        {"issuer_tax_id": "91360100MA35XXXX1X"},  # unknown fields are refused, not stored
    ],
)
def test_nonsense_evidence_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        INVOICE.Evidence.model_validate(invoice() | change)


# --- declarations -----------------------------------------------------------------------------------------


def test_the_registry_accepts_it_and_its_example() -> None:
    registry = Registry()
    registry.add("e_invoice", VERSIONS)
    methodology = registry.current("e_invoice")
    assert (methodology.version, methodology.family) == ("1.0.0", "online_payment")
    assert reasons_of(methodology.example) == ()


def test_the_invoice_number_is_an_identifier_tanbi_hashes() -> None:
    assert INVOICE.Evidence.identifiers() == {"invoice": "invoice"}


def test_the_claim_is_per_invoice_and_the_cap_per_day() -> None:
    evidence = INVOICE.Evidence.model_validate(invoice("hk1:" + "b" * 64))
    assert [c.key for c in INVOICE.claims(evidence)] == ["e_invoice:hk1:" + "b" * 64]
    cap = INVOICE.caps(evidence, INVOICE.Params())[0]
    assert (cap.reason, cap.measure, cap.period, cap.limit) == ("daily_cap", "actions", "day", 5)
    assert INVOICE.occurred_at(evidence) == evidence.issued_at


def test_readme_parameter_table_is_params_describe() -> None:
    described = [
        (p["name"], str(p["default"]), p["unit"], p["source"], str(p["year"]))
        for p in EInvoiceParams.describe()
    ]
    assert readme_parameters(INVOICE.readme) == described


# --- properties -------------------------------------------------------------------------------------------

grams_per_invoice = st.decimals(min_value=0, max_value=100, places=3)
ratios = st.decimals(min_value=Decimal("0.001"), max_value=1, places=3)
issued = st.integers(min_value=-60 * 24 * 40, max_value=60 * 24).map(lambda m: NOW + dt.timedelta(minutes=m))


def sound(quantity: Quantity) -> None:
    assert quantity.grams >= 0
    assert quantity.grams == int(quantity.exact_grams // 1)
    assert 0 <= quantity.exact_grams - quantity.grams < 1


@settings(max_examples=60, deadline=None)
@given(per_invoice=grams_per_invoice, conservativeness=ratios, at=issued)
def test_quantify_is_never_negative_and_floored_once(
    per_invoice: Decimal, conservativeness: Decimal, at: dt.datetime
) -> None:
    params = EInvoiceParams(e_invoice_g=per_invoice, conservativeness=conservativeness)
    quantity = grams_of(invoice(issued_at=at), params)
    sound(quantity)
    assert quantity.exact_grams == per_invoice * conservativeness


@settings(max_examples=60, deadline=None)
@given(a=grams_per_invoice, b=grams_per_invoice)
def test_quantify_is_monotone_in_its_factor(a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    assert (
        grams_of(invoice(), EInvoiceParams(e_invoice_g=low)).grams
        <= grams_of(invoice(), EInvoiceParams(e_invoice_g=high)).grams
    )


@settings(max_examples=60, deadline=None)
@given(number=st.text(st.characters(categories=["Nd", "Lu"]), min_size=1, max_size=40), at=issued, c=ratios)
def test_quantify_is_pure_and_conservativeness_scales_it_down(
    number: str, at: dt.datetime, c: Decimal
) -> None:
    evidence = invoice(number, at)
    full = grams_of(evidence)
    assert grams_of(evidence).breakdown() == full.breakdown()
    scaled = grams_of(evidence, EInvoiceParams(conservativeness=c))
    assert scaled.exact_grams == full.exact_grams * c
    assert scaled.grams <= full.grams
