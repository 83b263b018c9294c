"""recyclables_dropoff 1.0.0: recyclables a resident weighed in at a recycling machine or station.

reduction = sum over the ticket's items of kg x <material>_g_per_kg                 (x conservativeness)

The per-kg factors are conservative fractions of US EPA WARM v16's recycling factors (avoided virgin
production, life-cycle, CO2e). They stand for emissions avoided in other people's supply chains, which is
why the reduction is for points only and never tradable.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from methodologies._common.factors import named_factor
from methodologies._common.readme import readme_of
from methodologies._common.sources import TANBI_V2
from methodologies._common.timing import window_reasons
from methodologies._sdk import (
    API_VERSION,
    BaseMethodology,
    Cap,
    Claim,
    Conservative,
    Context,
    Evidence,
    Quantity,
    Verdict,
    factor,
    identifier,
    personal,
    setting,
)

WARM_V16 = (
    "US EPA, Waste Reduction Model (WARM) Version 16 (December 2023), Documentation for Greenhouse Gas "
    "Emission and Energy Factors, Containers, Packaging and Non-Durable Goods Materials chapters: recycling "
    "emission factors, MTCO2E per short ton"
)
PAPER = WARM_V16 + (
    " (mixed paper, general: of the order of 3 kg CO2e avoided per kg, incl. US forest carbon storage); "
    "Tanbi's conservative choice: under a tenth of it"
)
PLASTIC = WARM_V16 + (
    " (mixed plastics: about 1 kg CO2e avoided per kg); Tanbi's conservative choice: about half of it"
)
STEEL = (
    WARM_V16 + " (steel cans: about 2 kg CO2e avoided per kg); Tanbi's conservative choice: about a quarter"
)
ALUMINIUM = WARM_V16 + (
    " (aluminum cans: about 10 kg CO2e avoided per kg); Tanbi's conservative choice: about two fifths"
)
LIMITS = (
    "Tanbi methodologies v2 (methodologies.md): 20 kg a day and 100 kg a month per resident keep the "
    "credit to what a household separates, not a trader's or a shop's load"
)
TICKET_LIMIT = (
    "Tanbi assumption: a household does not carry more than 50 kg of paper, plastic and cans to a machine "
    "or station at once; a heavier ticket is a trader's or a shop's load, or a scale fault"
)

MATERIALS = ("paper", "plastic", "steel", "aluminium")
Material = Literal["paper", "plastic", "steel", "aluminium"]


class DroppedItem(BaseModel):
    """One weighed line of a ticket."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    material: Material = Field(description="paper, plastic, steel or aluminium, as the machine sorted it")
    kg: Decimal = Field(
        gt=0, le=1000, max_digits=7, decimal_places=3, description="weight as weighed, kg (3 decimals)"
    )


class DropoffEvidence(Evidence):
    ticket: str = identifier(
        "recycling_ticket",
        description="the machine's or station's ticket / transaction number, unique across the operator's "
        "network",
    )
    station_id: str = personal(min_length=1, max_length=64, description="the machine's or station's id")
    dropped_at: AwareDatetime = Field(description="when the items were weighed in, with zone")
    items: list[DroppedItem] = Field(
        min_length=1, max_length=20, description="the ticket's weighed lines, {material, kg}"
    )

    @property
    def total_kg(self) -> Decimal:
        return sum((item.kg for item in self.items), Decimal(0))

    def kg_of(self, material: str) -> Decimal:
        return sum((item.kg for item in self.items if item.material == material), Decimal(0))


class DropoffParams(Conservative):
    paper_g_per_kg: Decimal = factor("300", unit="g CO2e / kg", source=PAPER, year=2023, gt=0, le=10_000)
    plastic_g_per_kg: Decimal = factor("500", unit="g CO2e / kg", source=PLASTIC, year=2023, gt=0, le=10_000)
    steel_g_per_kg: Decimal = factor("500", unit="g CO2e / kg", source=STEEL, year=2023, gt=0, le=10_000)
    aluminium_g_per_kg: Decimal = factor(
        "4000", unit="g CO2e / kg", source=ALUMINIUM, year=2023, gt=0, le=10_000
    )
    max_ticket_kg: Decimal = factor("50", unit="kg / ticket", source=TICKET_LIMIT, year=2026, gt=0, le=1000)
    daily_max_kg: Decimal = factor(
        "20", unit="kg / resident / local day", source=LIMITS, year=2026, gt=0, le=1000
    )
    monthly_max_kg: Decimal = factor(
        "100", unit="kg / resident / calendar month", source=LIMITS, year=2026, gt=0, le=10_000
    )
    stale_days: int = setting(30, unit="days after dropped_at", source=TANBI_V2, year=2026, ge=1, le=120)
    future_tolerance_minutes: int = setting(5, unit="minutes", source=TANBI_V2, year=2026, ge=0, le=60)


class RecyclablesDropoffV1(BaseMethodology):
    id = "recyclables_dropoff"
    version = "1.0.0"
    title = "Recyclables drop-off (智能回收箱 / 回收站投递)"
    source = "US EPA WARM Version 16 (2023) recycling factors, conservative fractions; Tanbi methodologies v2"
    api_version = API_VERSION
    family = "low_carbon_community"
    partner = (
        "recycling machine or station operator (智能回收箱 / 回收站运营方): its scale weighs each material; "
        "Tanbi hashes the ticket number"
    )
    reasons = {
        "implausible_weight": (
            "单张小票重量超过 50 kg，不像居民投递",
            "more than max_ticket_kg (50 kg) on one ticket: not a household's drop-off",
        ),
        "duplicate_evidence": ("同一张回收小票已计入过", "the same ticket was credited before"),
        "daily_cap": (
            "当日计入重量将超过 20 kg",
            "the day's credited weight would pass daily_max_kg (20 kg)",
        ),
        "monthly_cap": (
            "当月计入重量将超过 100 kg",
            "the month's credited weight would pass monthly_max_kg (100 kg)",
        ),
    }
    example = {
        "ticket": "RB-20261120-000417",
        "station_id": "JX-NC-HGT-017",
        "dropped_at": "2026-11-20T18:42:05+08:00",
        "items": [{"material": "paper", "kg": "3.600"}, {"material": "plastic", "kg": "1.250"}],
    }
    Evidence = DropoffEvidence
    Params = DropoffParams

    @property
    def readme(self) -> str:
        return readme_of("methodologies.recyclables_dropoff")

    def verify(self, evidence: DropoffEvidence, params: DropoffParams, context: Context) -> Verdict:
        reasons = window_reasons(
            evidence.dropped_at,
            context,
            stale_days=params.stale_days,
            future_minutes=params.future_tolerance_minutes,
        )
        if evidence.total_kg > params.max_ticket_kg:
            reasons.append("implausible_weight")
        return Verdict.of(reasons)

    def quantify(self, evidence: DropoffEvidence, params: DropoffParams) -> Quantity:
        kg = {material: evidence.kg_of(material) for material in MATERIALS}
        grams = sum(
            (kg[material] * getattr(params, f"{material}_g_per_kg") for material in MATERIALS), Decimal(0)
        )
        return Quantity.of(
            grams,
            formula="paper_kg x paper_g_per_kg + plastic_kg x plastic_g_per_kg + steel_kg x steel_g_per_kg "
            "+ aluminium_kg x aluminium_g_per_kg",
            inputs={f"{material}_kg": kg[material] for material in MATERIALS}
            | {"total_kg": evidence.total_kg},
            factors=tuple(named_factor(params, f"{material}_g_per_kg") for material in MATERIALS),
            gas="CO2e",
            conservativeness=params.conservativeness,
        )

    def occurred_at(self, evidence: DropoffEvidence) -> dt.datetime:
        return evidence.dropped_at

    def claims(self, evidence: DropoffEvidence) -> tuple[Claim, ...]:
        return (Claim(f"recyclables_dropoff:{evidence.ticket}"),)

    def caps(self, evidence: DropoffEvidence, params: DropoffParams) -> tuple[Cap, ...]:
        # Measured in kg, the ticket's total: a ticket that would pass a limit is rejected whole (see README).
        total = evidence.total_kg
        return (
            Cap("daily_cap", "kg", "day", params.daily_max_kg, amount=total),
            Cap("monthly_cap", "kg", "month", params.monthly_max_kg, amount=total),
        )
