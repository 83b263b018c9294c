"""``stairs_climb``: taking the stairs instead of a lift, credited per floor (illustrative factor)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import AwareDatetime, Field

from methodologies._sdk import (
    API_VERSION,
    BaseMethodology,
    Cap,
    Context,
    Evidence,
    FactorUsed,
    Params,
    Quantity,
    Verdict,
    factor,
    setting,
)


class StairsEvidence(Evidence):
    climbed_at: AwareDatetime
    floors: int = Field(ge=1, le=200)
    building_id: str = Field(min_length=1, max_length=64)


class StairsParams(Params):
    lift_g_per_floor: Decimal = factor(
        "12.5", unit="g CO2e / floor", source="example plug-in, illustrative", year=2026
    )
    per_action_max_floors: int = setting(40, unit="floors", source="example plug-in", year=2026)


class StairsClimb(BaseMethodology):
    id = "stairs_climb"
    version = "0.1.0"
    title = "Stairs instead of the lift (example plug-in)"
    source = "example"
    api_version = API_VERSION
    family = "low_carbon_community"
    readme = "Counts floors climbed by stairs instead of a lift. Illustrative only."
    Evidence = StairsEvidence
    Params = StairsParams

    def verify(self, evidence: StairsEvidence, params: StairsParams, context: Context) -> Verdict:
        return Verdict.reject("in_future") if evidence.climbed_at > context.now else Verdict.accept()

    def quantify(self, evidence: StairsEvidence, params: StairsParams) -> Quantity:
        return Quantity.of(
            evidence.floors * params.lift_g_per_floor,
            formula="floors x lift_g_per_floor",
            inputs={"floors": Decimal(evidence.floors)},
            factors=(FactorUsed("lift_g_per_floor", params.lift_g_per_floor, "g CO2e / floor", "example"),),
        )

    def occurred_at(self, evidence: StairsEvidence) -> dt.datetime:
        return evidence.climbed_at

    def caps(self, evidence: StairsEvidence, params: StairsParams) -> tuple[Cap, ...]:
        return (
            Cap(
                "per_action_cap",
                "floors",
                "action",
                Decimal(params.per_action_max_floors),
                Decimal(evidence.floors),
            ),
        )


METHODOLOGY = StairsClimb()


class _FromTheFuture(StairsClimb):
    id = "future_example"
    api_version = API_VERSION + 1


FUTURE_API = _FromTheFuture()
