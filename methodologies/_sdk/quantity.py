"""A quantification: integer grams avoided, the gas they are of, and the breakdown that justifies it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any, Literal

# CO2 where every factor is a CO2 factor (fuel combustion, grid electricity); CO2e where a source gives
# CO2 equivalents (life-cycle factors). Summing CO2 into CO2e totals understates them: conservative.
Gas = Literal["CO2", "CO2e"]


@dataclass(frozen=True)
class FactorUsed:
    name: str
    value: Decimal
    unit: str
    source: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": str(self.value), "unit": self.unit, "source": self.source}


@dataclass(frozen=True)
class Quantity:
    """``grams`` is floor(``exact_grams``), never negative. Baseline and project grams are None where the
    methodology applies a published net factor instead of deriving them (they are not invented).
    ``gas`` is None only for results of SDK API 1 methodologies, which did not name it."""

    grams: int
    exact_grams: Decimal
    baseline_grams: Decimal | None
    project_grams: Decimal | None
    factors: tuple[FactorUsed, ...]
    inputs: dict[str, str] = field(default_factory=dict)
    formula: str = ""
    gas: Gas | None = None

    @classmethod
    def of(
        cls,
        exact: Decimal,
        *,
        factors: tuple[FactorUsed, ...],
        formula: str,
        inputs: dict[str, Decimal | str] | None = None,
        baseline: Decimal | None = None,
        project: Decimal | None = None,
        gas: Gas | None = None,
        conservativeness: Decimal | None = None,
    ) -> Quantity:
        """``exact`` (never below 0) times ``conservativeness`` when given, which is then listed as a factor
        and written into the formula."""
        exact = max(exact, Decimal(0))
        if conservativeness is not None:
            exact = exact * conservativeness
            formula = f"({formula}) x conservativeness"
            factors = (*factors, conservativeness_factor(conservativeness))
        return cls(
            grams=floor_grams(exact),
            exact_grams=exact,
            baseline_grams=baseline,
            project_grams=project,
            factors=factors,
            inputs={k: str(v) for k, v in (inputs or {}).items()},
            formula=formula,
            gas=gas,
        )

    def breakdown(self) -> dict[str, Any]:
        out = {
            "grams": self.grams,
            "exact_grams": str(self.exact_grams),
            "baseline_grams": None if self.baseline_grams is None else str(self.baseline_grams),
            "project_grams": None if self.project_grams is None else str(self.project_grams),
            "formula": self.formula,
            "inputs": dict(self.inputs),
            "factors": [f.as_dict() for f in self.factors],
        }
        if self.gas is not None:
            out["gas"] = self.gas
        return out


def conservativeness_factor(value: Decimal) -> FactorUsed:
    from methodologies._sdk.params import CONSERVATIVENESS_SOURCE

    return FactorUsed("conservativeness", value, "ratio", CONSERVATIVENESS_SOURCE)


def floor_grams(value: Decimal) -> int:
    """Round down to whole grams, once, at the end (methodologies.md: conservative)."""
    return int(value.to_integral_value(rounding=ROUND_FLOOR))
