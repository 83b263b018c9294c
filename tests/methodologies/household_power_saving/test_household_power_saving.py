"""household_power_saving: the worked examples of methodologies.md, every reason code, the README's parameter
table, and properties of the quantification."""

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
from methodologies.household_power_saving import VERSIONS
from methodologies.household_power_saving.v1 import HISTORY_MONTHS, month_index

ZONE = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=ZONE)
CONTEXT = Context(now=NOW, zone=ZONE)
METHODOLOGY = VERSIONS[0]
PARAMS = METHODOLOGY.Params()
# The example's year: same month last year 260 kWh, 12-month mean 250 kWh, so B = 250.
SEASONAL = ["260", "220", "260", "300", "280", "210", "190", "200", "260", "330", "340", "150"]


def months_before(month: str, count: int = HISTORY_MONTHS) -> list[str]:
    """The ``count`` months before ``month``, oldest first."""
    end = month_index(month)
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(end - count, end)]


def reading(kwh: str, history: list[str], month: str = "2026-10", **overrides: Any) -> dict[str, Any]:
    """Evidence for ``month``; ``history`` holds the kWh of the months before it, oldest first (the last
    ``len(history)`` of the 12)."""
    months = months_before(month)[HISTORY_MONTHS - len(history) :]
    return {
        "account": "3601001234567",
        "month": month,
        "kwh": kwh,
        "previous_months": [{"month": m, "kwh": k} for m, k in zip(months, history, strict=True)],
        "has_pv": False,
        "tariff_tier": 1,
    } | overrides


def judge(evidence: dict[str, Any], context: Context = CONTEXT) -> tuple[tuple[str, ...], Quantity]:
    parsed = METHODOLOGY.Evidence.model_validate(evidence)
    verdict = METHODOLOGY.verify(parsed, PARAMS, context)
    assert verdict.accepted == (not verdict.reasons)
    return verdict.reasons, METHODOLOGY.quantify(parsed, PARAMS)


@pytest.mark.parametrize(
    ("evidence", "grams", "reasons"),
    [
        # methodologies.md: B = 250, actual 210 -> 40 kWh -> 21084 g
        (reading("210", SEASONAL), 21084, ()),
        # methodologies.md: B = 200, actual 120 -> capped at 60 kWh -> 31626 g
        (reading("120", ["200"] * 12), 31626, ()),
        # the same month last year is the lower baseline here: B = 240, 40 kWh saved
        (reading("200", ["240"] + ["300"] * 11), 21084, ()),
        # at or above the baseline: accepted, nothing credited
        (reading("230", ["200"] * 12), 0, ()),
    ],
)
def test_worked_examples(evidence: dict[str, Any], grams: int, reasons: tuple[str, ...]) -> None:
    got_reasons, quantity = judge(evidence)
    assert got_reasons == reasons
    assert quantity.grams == grams
    assert quantity.gas == "CO2"


def test_the_example_breakdown_names_both_baselines_and_the_ceiling() -> None:
    _, quantity = judge(METHODOLOGY.example)
    breakdown = quantity.breakdown()
    assert breakdown["inputs"]["same_month_last_year_kwh"] == "260"
    assert breakdown["inputs"]["trailing_mean_kwh"] == "250"
    assert breakdown["inputs"]["baseline_kwh"] == "250"
    assert Decimal(breakdown["inputs"]["saving_kwh"]) == 40
    factors = {f["name"]: (f["value"], f["unit"]) for f in breakdown["factors"]}
    assert factors["grid_displaced_g_per_kwh"] == ("527.1", "g CO2 / kWh")
    assert factors["max_saving_ratio"] == ("0.30", "ratio of the baseline")
    assert Decimal(breakdown["baseline_grams"]) - Decimal(breakdown["project_grams"]) == Decimal(
        breakdown["exact_grams"]
    )


@pytest.mark.parametrize(
    ("evidence", "reasons"),
    [
        (reading("30", ["200"] * 12), ("vacant",)),  # below 20 % of B = 40 kWh
        (reading("210", SEASONAL, has_pv=True), ("not_eligible",)),
        (reading("210", SEASONAL, tariff_tier=3), ("not_eligible",)),
        (reading("210", SEASONAL[1:]), ("insufficient_history",)),
        (reading("210", []), ("insufficient_history",)),
        (reading("210", SEASONAL, month="2026-11"), ("in_future",)),  # November is not over
        (reading("210", SEASONAL, month="2026-08"), ("stale",)),  # ended 2026-09-01, 80 days ago
        (reading("30", ["200"] * 12, has_pv=True), ("not_eligible", "vacant")),
    ],
)
def test_rejections(evidence: dict[str, Any], reasons: tuple[str, ...]) -> None:
    assert judge(evidence)[0] == reasons


def test_tier_two_and_the_staleness_window_edges_are_accepted() -> None:
    assert judge(reading("210", SEASONAL, tariff_tier=2))[0] == ()
    september = reading("210", SEASONAL, month="2026-09")  # ended 2026-10-01 00:00 local
    at_edge = Context(now=dt.datetime(2026, 11, 30, 0, 0, tzinfo=ZONE), zone=ZONE)
    assert judge(september, at_edge)[0] == ()
    assert judge(september, Context(now=at_edge.now + dt.timedelta(seconds=1), zone=ZONE))[0] == ("stale",)
    just_over = Context(now=dt.datetime(2026, 11, 1, 0, 0, tzinfo=ZONE), zone=ZONE)
    assert judge(reading("210", SEASONAL), just_over)[0] == ()


def test_vacancy_is_judged_on_the_lower_baseline() -> None:
    # B = 200 (same month), 20 % of it is 40: 40 kWh is not vacant, 39.999 is.
    assert judge(reading("40", ["200"] + ["500"] * 11))[0] == ()
    assert judge(reading("39.999", ["200"] + ["500"] * 11))[0] == ("vacant",)


@pytest.mark.parametrize(
    "history",
    [
        [{"month": "2025-09", "kwh": "200"}],  # 13 months before
        [{"month": "2026-10", "kwh": "200"}],  # the credited month itself
        [{"month": "2026-01", "kwh": "200"}, {"month": "2026-01", "kwh": "210"}],  # twice
        [{"month": m, "kwh": "200"} for m in months_before("2026-10", 13)],  # more than 12
        [{"month": "2026-1", "kwh": "200"}],  # not YYYY-MM
        [{"month": "2026-01", "kwh": "-1"}],
        [{"month": "2026-01", "kwh": "200", "kind": "estimated"}],  # unknown field
    ],
)
def test_an_ambiguous_history_is_refused_as_evidence(history: list[dict[str, str]]) -> None:
    with pytest.raises(ValidationError):
        METHODOLOGY.Evidence.model_validate(reading("210", []) | {"previous_months": history})


@pytest.mark.parametrize(
    "field", [("kwh", "100001"), ("tariff_tier", 4), ("tariff_tier", 0), ("month", "2026-13")]
)
def test_nonsense_values_are_refused(field: tuple[str, Any]) -> None:
    with pytest.raises(ValidationError):
        METHODOLOGY.Evidence.model_validate(reading("210", SEASONAL) | dict([field]))


def test_the_account_is_an_identifier_and_the_claim_is_per_account_and_month() -> None:
    assert METHODOLOGY.Evidence.identifiers() == {"account": "power_account"}
    parsed = METHODOLOGY.Evidence.model_validate(reading("210", SEASONAL, account="hk1:" + "a" * 64))
    assert [c.key for c in METHODOLOGY.claims(parsed)] == [f"household_power_saving:hk1:{'a' * 64}:2026-10"]
    (cap,) = METHODOLOGY.caps(parsed, PARAMS)
    assert (cap.reason, cap.measure, cap.period, cap.limit, cap.amount) == (
        "monthly_cap",
        "actions",
        "month",
        Decimal(1),
        Decimal(1),
    )


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Asia/Shanghai", "UTC", "Etc/GMT+12"])
@pytest.mark.parametrize("month", ["2026-01", "2026-02", "2026-12"])
def test_occurred_at_lies_inside_the_month_in_any_zone(zone: str, month: str) -> None:
    parsed = METHODOLOGY.Evidence.model_validate(reading("210", SEASONAL, month=month))
    local = METHODOLOGY.occurred_at(parsed).astimezone(ZoneInfo(zone))
    assert f"{local.year:04d}-{local.month:02d}" == month


def test_the_readme_parameter_table_is_params_describe() -> None:
    section = METHODOLOGY.readme.split("## Parameters (parameter version 1)")[1].split("\n## ")[0]
    rows = [
        tuple(cell.strip() for cell in line.strip().strip("|").split(" | "))
        for line in section.splitlines()
        if line.startswith("| `")
    ]
    expected = [
        (f"`{p['name']}`", str(p["default"]), p["unit"], p["source"], str(p["year"]))
        for p in METHODOLOGY.Params.describe()
    ]
    assert rows == expected


def test_the_example_is_valid_and_accepted() -> None:
    assert judge(METHODOLOGY.example)[0] == ()


kwh = st.decimals(min_value=0, max_value=2000, places=3)
histories = st.lists(kwh, min_size=HISTORY_MONTHS, max_size=HISTORY_MONTHS)


def sound(quantity: Quantity) -> None:
    assert quantity.grams >= 0
    assert quantity.exact_grams >= 0
    assert quantity.grams == int(quantity.exact_grams // 1)
    assert 0 <= quantity.exact_grams - quantity.grams < 1


@settings(max_examples=60, deadline=None)
@given(history=histories, a=kwh, b=kwh)
def test_less_consumption_never_earns_less_and_the_ceiling_holds(
    history: list[Decimal], a: Decimal, b: Decimal
) -> None:
    low, high = sorted((a, b))
    _, more = judge(reading(str(low), [str(k) for k in history]))
    _, less = judge(reading(str(high), [str(k) for k in history]))
    sound(more)
    sound(less)
    assert more.grams >= less.grams
    baseline = min(history[0], sum(history, Decimal(0)) / 12)
    assert more.exact_grams <= PARAMS.max_saving_ratio * baseline * PARAMS.grid_displaced_g_per_kwh
    again = judge(reading(str(low), [str(k) for k in history]))[1]
    assert again.breakdown() == more.breakdown()


@settings(max_examples=60, deadline=None)
@given(
    history=histories,
    actual=kwh,
    conservativeness=st.decimals(min_value=Decimal("0.001"), max_value=1, places=3),
)
def test_conservativeness_scales_the_reduction_down(
    history: list[Decimal], actual: Decimal, conservativeness: Decimal
) -> None:
    parsed = METHODOLOGY.Evidence.model_validate(reading(str(actual), [str(k) for k in history]))
    full = METHODOLOGY.quantify(parsed, PARAMS)
    scaled = METHODOLOGY.quantify(parsed, METHODOLOGY.Params(conservativeness=conservativeness))
    sound(scaled)
    assert scaled.exact_grams == full.exact_grams * conservativeness
    assert scaled.grams <= full.grams
