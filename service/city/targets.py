"""The plan's targets (a small TOML file) and the progress the published grid shows against them.

A target is a city-wide figure; one whose measure adds up over families and districts (``annual_tonnes``)
may also name a target for some families and some districts (``[target.families]``,
``[target.districts]``), and the summary reports progress for each of those too. The parts need not add
up to the whole: a city may set goals for two families and leave the others open.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, model_validator

from methodologies._sdk import FAMILIES
from service.methodology.schemas import FamilyId

SHIPPED = Path(__file__).with_name("targets.toml")
# How each known target's "actual" is measured; a target with another id reports no actual.
MEASURES = ("live_scenarios", "annual_tonnes")
# The measures that add up over families and districts, so a part of the city can have its own target.
# Live scenarios are counted in families over the whole city: a family is one of them, or not.
SPLITTABLE = ("annual_tonnes",)


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt key in the file fails loudly, not silently

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    zh: str
    en: str
    unit: str
    target: float = Field(gt=0)
    due: str  # an ISO date, or "year-end" for a target that renews every year
    source: str = ""
    families: dict[FamilyId, PositiveFloat] = Field(default_factory=dict)
    districts: dict[str, PositiveFloat] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _parts_only_where_they_add_up(self) -> Target:
        if (self.families or self.districts) and self.id in MEASURES and self.id not in SPLITTABLE:
            raise ValueError(
                f"{self.id} is measured over the whole city: it takes no per-family or per-district targets"
            )
        return self


@lru_cache(maxsize=8)
def load_targets(path: Path | None, districts: frozenset[str] | None = None) -> tuple[Target, ...]:
    """The file's targets, in its order; a per-district target for a code not in ``districts`` (when
    given) is refused, so a misspelt district cannot report a progress nobody can reach."""
    data = tomllib.loads((path or SHIPPED).read_text(encoding="utf-8"))
    targets = tuple(Target.model_validate(t) for t in data.get("target", []))
    if districts is not None:
        for t in targets:
            unknown = sorted(set(t.districts) - districts)
            if unknown:
                raise ValueError(f"target {t.id} names unknown districts: {', '.join(unknown)}")
    return targets


# Per target id, per part ("families" / "districts"), per family id or district code: the actual, or None
# where the published cell is hidden.
Parts = Mapping[str, Mapping[str, Mapping[str, float | None]]]


def progress(
    targets: tuple[Target, ...],
    actual: Mapping[str, float],
    today: dt.date,
    parts: Parts | None = None,
    district_names: Mapping[str, tuple[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """Each target with its actual and progress (actual / target, 4 decimals), and the same for each of its
    families and districts (a part's actual is None, and ``suppressed`` true, where its cell is hidden)."""
    family_names = {f.id: (f.zh, f.en) for f in FAMILIES}
    out = []
    for t in targets:
        value = actual.get(t.id)
        due = dt.date(today.year, 12, 31).isoformat() if t.due == "year-end" else t.due
        measured = (parts or {}).get(t.id)
        out.append(
            t.model_dump(exclude={"due", "families", "districts"})
            | {
                "due": due,
                "actual": value,
                "progress": _ratio(value, t.target),
                "families": _parts(t.families, measured, "families", family_names),
                "districts": _parts(t.districts, measured, "districts", district_names or {}),
            }
        )
    return out


def _parts(
    goals: Mapping[str, float],
    measured: Mapping[str, Mapping[str, float | None]] | None,
    kind: str,
    names: Mapping[str, tuple[str, str]],
) -> list[dict[str, Any]]:
    out = []
    for part, goal in goals.items():
        known = measured is not None
        value = measured[kind].get(part, 0.0) if measured is not None else None
        zh, en = names.get(part, (part, part))
        out.append(
            {
                "id": part,
                "zh": zh,
                "en": en,
                "target": goal,
                "actual": value,
                "progress": _ratio(value, goal),
                "suppressed": known and value is None,
            }
        )
    return out


def _ratio(value: float | None, goal: float) -> float | None:
    return None if value is None else round(value / goal, 4)
