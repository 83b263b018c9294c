"""The plan's targets (a small TOML file) and the progress the roll-ups show against them."""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

SHIPPED = Path(__file__).with_name("targets.toml")
# How each known target's "actual" is measured; a target with another id reports no actual.
MEASURES = ("live_scenarios", "annual_tonnes")


class Target(BaseModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    zh: str
    en: str
    unit: str
    target: float = Field(gt=0)
    due: str  # an ISO date, or "year-end" for a target that renews every year
    source: str = ""


@lru_cache(maxsize=8)
def load_targets(path: Path | None) -> tuple[Target, ...]:
    data = tomllib.loads((path or SHIPPED).read_text(encoding="utf-8"))
    return tuple(Target.model_validate(t) for t in data.get("target", []))


def progress(targets: tuple[Target, ...], actual: dict[str, float], today: dt.date) -> list[dict[str, Any]]:
    out = []
    for t in targets:
        value = actual.get(t.id)
        due = dt.date(today.year, 12, 31).isoformat() if t.due == "year-end" else t.due
        out.append(
            t.model_dump(exclude={"due"})
            | {
                "due": due,
                "actual": value,
                "progress": None if value is None else round(value / t.target, 4),
            }
        )
    return out
