"""recyclables_dropoff: the worked example of methodologies.md, every reason code, the README's parameter
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
from methodologies.recyclables_dropoff import VERSIONS
from methodologies.recyclables_dropoff.v1 import MATERIALS

ZONE = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 20, 0, tzinfo=ZONE)
CONTEXT = Context(now=NOW, zone=ZONE)
METHODOLOGY = VERSIONS[0]
PARAMS = METHODOLOGY.Params()


def ticket(
    *items: tuple[str, str], at: dt.datetime = NOW - dt.timedelta(hours=1), **overrides: Any
) -> dict[str, Any]:
    return {
        "ticket": "RB-20261120-000417",
        "station_id": "JX-NC-HGT-017",
        "dropped_at": at.isoformat(),
        "items": [{"material": material, "kg": kg} for material, kg in items],
    } | overrides


def judge(evidence: dict[str, Any], context: Context = CONTEXT) -> tuple[tuple[str, ...], Quantity]:
    parsed = METHODOLOGY.Evidence.model_validate(evidence)
    verdict = METHODOLOGY.verify(parsed, PARAMS, context)
    assert verdict.accepted == (not verdict.reasons)
    return verdict.reasons, METHODOLOGY.quantify(parsed, PARAMS)


@pytest.mark.parametrize(
    ("evidence", "grams"),
    [
        # methodologies.md: 3.6 kg paper + 1.25 kg plastic -> 1705 g
        (ticket(("paper", "3.6"), ("plastic", "1.25")), 1705),
        (ticket(("aluminium", "0.5"), ("steel", "2")), 3000),
        (ticket(("paper", "1.2"), ("paper", "2.4"), ("plastic", "1.250")), 1705),  # lines of one material add
        (ticket(("plastic", "0.001")), 0),  # 0.5 g, floored
        (ticket(("aluminium", "0.003")), 12),
    ],
)
def test_worked_examples(evidence: dict[str, Any], grams: int) -> None:
    reasons, quantity = judge(evidence)
    assert reasons == ()
    assert quantity.grams == grams
    assert quantity.gas == "CO2e"


def test_the_breakdown_names_each_material_and_leaves_baseline_and_project_empty() -> None:
    breakdown = judge(METHODOLOGY.example)[1].breakdown()
    assert breakdown["grams"] == 1705
    assert (breakdown["baseline_grams"], breakdown["project_grams"]) == (None, None)
    assert breakdown["inputs"]["paper_kg"] == "3.600"
    assert breakdown["inputs"]["total_kg"] == "4.850"
    factors = {f["name"]: (f["value"], f["unit"]) for f in breakdown["factors"]}
    assert factors == {
        "paper_g_per_kg": ("300", "g CO2e / kg"),
        "plastic_g_per_kg": ("500", "g CO2e / kg"),
        "steel_g_per_kg": ("500", "g CO2e / kg"),
        "aluminium_g_per_kg": ("4000", "g CO2e / kg"),
        "conservativeness": ("1.0", "ratio"),
    }


@pytest.mark.parametrize(
    ("evidence", "reasons"),
    [
        (ticket(("paper", "30"), ("plastic", "25")), ("implausible_weight",)),
        (ticket(("paper", "3.6"), at=NOW + dt.timedelta(minutes=6)), ("in_future",)),
        (ticket(("paper", "3.6"), at=NOW - dt.timedelta(days=30, seconds=1)), ("stale",)),
        (
            ticket(("steel", "60"), at=NOW - dt.timedelta(days=31)),
            ("stale", "implausible_weight"),
        ),
    ],
)
def test_rejections(evidence: dict[str, Any], reasons: tuple[str, ...]) -> None:
    assert judge(evidence)[0] == reasons


def test_the_edges_are_accepted() -> None:
    assert judge(ticket(("paper", "25"), ("steel", "25")))[0] == ()  # exactly 50 kg
    assert judge(ticket(("paper", "1"), at=NOW + dt.timedelta(minutes=5)))[0] == ()
    assert judge(ticket(("paper", "1"), at=NOW - dt.timedelta(days=30)))[0] == ()


@pytest.mark.parametrize(
    "items",
    [
        [],
        [{"material": "glass", "kg": "1"}],
        [{"material": "paper", "kg": "0"}],
        [{"material": "paper", "kg": "-1"}],
        [{"material": "paper", "kg": "1.0001"}],  # more than 3 decimals
        [{"material": "paper", "kg": "1001"}],
        [{"material": "paper", "kg": "1", "price_fen": 30}],  # unknown field
        [{"material": "paper", "kg": "0.1"}] * 21,  # more than 20 lines
    ],
)
def test_nonsense_items_are_refused(items: list[dict[str, Any]]) -> None:
    with pytest.raises(ValidationError):
        METHODOLOGY.Evidence.model_validate(ticket() | {"items": items})


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValidationError):
        METHODOLOGY.Evidence.model_validate(ticket(("paper", "1")) | {"dropped_at": "2026-11-20T18:00:00"})


def test_the_ticket_is_an_identifier_the_claim_is_per_ticket_and_the_caps_count_kg() -> None:
    assert METHODOLOGY.Evidence.identifiers() == {"ticket": "recycling_ticket"}
    parsed = METHODOLOGY.Evidence.model_validate(
        ticket(("paper", "3.6"), ("plastic", "1.25"), ticket="hk1:" + "b" * 64)
    )
    assert [c.key for c in METHODOLOGY.claims(parsed)] == [f"recyclables_dropoff:hk1:{'b' * 64}"]
    caps = [
        (c.reason, c.measure, c.period, c.limit, c.amount, c.clip) for c in METHODOLOGY.caps(parsed, PARAMS)
    ]
    assert caps == [
        ("daily_cap", "kg", "day", Decimal(20), Decimal("4.850"), False),
        ("monthly_cap", "kg", "month", Decimal(100), Decimal("4.850"), False),
    ]
    assert METHODOLOGY.occurred_at(parsed) == parsed.dropped_at


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


def test_the_readme_says_it_is_never_tradable() -> None:
    assert "never tradable" in METHODOLOGY.readme.lower()


kg = st.decimals(min_value=Decimal("0.001"), max_value=60, places=3)
items = st.lists(st.tuples(st.sampled_from(MATERIALS), kg), min_size=1, max_size=20)


def sound(quantity: Quantity) -> None:
    assert quantity.grams >= 0
    assert quantity.exact_grams >= 0
    assert quantity.grams == int(quantity.exact_grams // 1)
    assert 0 <= quantity.exact_grams - quantity.grams < 1


def grams_of(lines: list[tuple[str, Decimal]], params: Any = PARAMS) -> Quantity:
    parsed = METHODOLOGY.Evidence.model_validate(ticket(*[(m, str(k)) for m, k in lines]))
    return METHODOLOGY.quantify(parsed, params)


@settings(max_examples=60, deadline=None)
@given(lines=items, extra=st.tuples(st.sampled_from(MATERIALS), kg))
def test_more_material_never_earns_less_and_the_sum_is_per_material(
    lines: list[tuple[str, Decimal]], extra: tuple[str, Decimal]
) -> None:
    base = grams_of(lines)
    sound(base)
    if len(lines) < 20:
        more = grams_of([*lines, extra])
        sound(more)
        assert more.grams >= base.grams
    expected = sum((k * getattr(PARAMS, f"{m}_g_per_kg") for m, k in lines), Decimal(0))
    assert base.exact_grams == expected
    assert grams_of(list(reversed(lines))).breakdown() == base.breakdown()  # order of lines does not matter


@settings(max_examples=60, deadline=None)
@given(lines=items, conservativeness=st.decimals(min_value=Decimal("0.001"), max_value=1, places=3))
def test_conservativeness_scales_the_reduction_down(
    lines: list[tuple[str, Decimal]], conservativeness: Decimal
) -> None:
    full = grams_of(lines)
    scaled = grams_of(lines, METHODOLOGY.Params(conservativeness=conservativeness))
    sound(scaled)
    assert scaled.exact_grams == full.exact_grams * conservativeness
    assert scaled.grams <= full.grams
