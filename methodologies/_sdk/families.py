"""The plan's six families of carbon-inclusive scenarios. Every methodology belongs to exactly one.

The city reads and targets by family, and the plan's "2-3 scenarios live by 2025" counts families, not
methodologies: bus, metro and shared bikes are one scenario of the plan (公交出行), not three.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    id: str
    zh: str
    en: str


FAMILIES = (
    Family("public_transport", "公交出行", "Public transport and cycling"),
    Family("online_payment", "在线缴费", "Paperless bills and e-invoices"),
    Family("new_energy_vehicles", "新能源汽车使用", "New-energy vehicles"),
    Family("fuel_car_parked", "燃油车停驶", "Parked fuel cars"),
    Family("low_carbon_consumption", "低碳消费", "Low-carbon consumption"),
    Family("low_carbon_community", "低碳社区/校园", "Low-carbon communities and campuses"),
)
FAMILY_IDS = tuple(f.id for f in FAMILIES)


def family(family_id: str) -> Family:
    """The family named ``family_id``; KeyError if the plan has no such family."""
    for f in FAMILIES:
        if f.id == family_id:
            return f
    raise KeyError(family_id)


def family_names(family_id: str) -> tuple[str, str]:
    """The family's Chinese and English names; the id itself for both when the plan has no such family
    (actions recorded before families were stored say ``unknown``)."""
    try:
        found = family(family_id)
    except KeyError:
        return family_id, family_id
    return found.zh, found.en
