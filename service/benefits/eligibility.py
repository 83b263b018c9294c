"""Who may claim a policy benefit: pure rules over a resident's counted totals, with the reasons in words.

A benefit may require a minimum level (service/achievements/rules.py LEVELS), minimum lifetime grams, and a
credited action in one family of the plan (methodologies/_sdk/families.py). Every rule it sets must hold;
each unmet one is reported with a code and a Chinese and an English sentence, which residents see in the
benefit list and the refused claim names.
"""

from __future__ import annotations

from dataclasses import dataclass

from methodologies._sdk.families import family_names
from service.achievements.rules import LEVELS, level_of
from service.achievements.totals import Totals


@dataclass(frozen=True)
class Rules:
    min_level: int | None = None
    min_lifetime_grams: int | None = None
    family: str | None = None


@dataclass(frozen=True)
class Unmet:
    code: str  # level_too_low, lifetime_too_low, family_missing
    zh: str
    en: str


def unmet(rules: Rules, totals: Totals) -> list[Unmet]:
    """The rules ``totals`` do not meet, in the order level, lifetime grams, family; empty: eligible."""
    found: list[Unmet] = []
    current, _ = level_of(totals.grams)
    if rules.min_level is not None and current.number < rules.min_level:
        wanted = LEVELS[rules.min_level - 1]
        found.append(
            Unmet(
                "level_too_low",
                f"需达到「{wanted.zh}」等级（当前「{current.zh}」）",
                f"needs level {wanted.en} (you are {current.en})",
            )
        )
    if rules.min_lifetime_grams is not None and totals.grams < rules.min_lifetime_grams:
        need, have = _kg(rules.min_lifetime_grams), _kg(totals.grams)
        found.append(
            Unmet(
                "lifetime_too_low",
                f"累计减碳需达到 {need} 千克（当前 {have} 千克）",
                f"needs {need} kg CO2e avoided in all (you have {have} kg)",
            )
        )
    if rules.family is not None and totals.actions_by_family.get(rules.family, 0) < 1:
        zh, en = family_names(rules.family)
        found.append(
            Unmet("family_missing", f"需有至少一次「{zh}」减碳记录", f"needs a credited action in {en}")
        )
    return found


def _kg(grams: int) -> str:
    """Kilograms with one decimal, rounded down (a resident 1 g short is not shown as having enough)."""
    return f"{grams // 100 / 10:.1f}"
