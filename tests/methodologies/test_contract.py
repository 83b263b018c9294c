"""What every current methodology promises under SDK API 2 (methodologies.md, credibility rules): a family, a
partner, the gas named in every breakdown, the conservativeness factor applied, a staleness window, and an
evidence example that is valid and credits something."""

from __future__ import annotations

from decimal import Decimal

import pytest

from methodologies._sdk import FAMILY_IDS
from service.methodology.registry import load_registry

REGISTRY = load_registry()
CURRENT = [REGISTRY.current(m) for m in REGISTRY.ids()]


@pytest.mark.parametrize("methodology", CURRENT, ids=lambda m: m.id)
def test_every_breakdown_names_its_gas_and_its_conservativeness(methodology) -> None:  # type: ignore[no-untyped-def]
    assert methodology.family in FAMILY_IDS
    assert methodology.partner
    evidence = methodology.Evidence.model_validate(methodology.example)
    params = methodology.Params()
    quantity = methodology.quantify(evidence, params)
    assert quantity.gas in ("CO2", "CO2e")
    assert quantity.breakdown()["gas"] == quantity.gas
    assert quantity.grams > 0
    assert "conservativeness" in [f.name for f in quantity.factors]
    halved = methodology.quantify(evidence, params.model_copy(update={"conservativeness": Decimal("0.5")}))
    assert halved.exact_grams == quantity.exact_grams / 2


@pytest.mark.parametrize("methodology", CURRENT, ids=lambda m: m.id)
def test_every_methodology_has_a_staleness_window(methodology) -> None:  # type: ignore[no-untyped-def]
    described = {p["name"]: p for p in methodology.Params.describe()}
    assert described["stale_days"]["default"] > 0
    assert described["stale_days"]["unit"].startswith("days")


def test_there_are_fourteen_and_every_family_has_one() -> None:
    assert len(CURRENT) == 14
    assert {m.family for m in CURRENT} == set(FAMILY_IDS)
