"""What a resident can reach: levels, medals, and the trees their grams are worth.

Every threshold is in grams of CO2e avoided, counted from accepted, unreversed actions; nothing here is
stored, so achievements are recomputed from the actions on every read and always agree with them.
"""

from __future__ import annotations

from dataclasses import dataclass

from methodologies._sdk import FAMILIES


@dataclass(frozen=True)
class Level:
    number: int
    from_grams: int
    zh: str
    en: str


LEVELS = (
    Level(1, 0, "绿芽", "Sprout"),
    Level(2, 1_000, "新叶", "Leaf"),
    Level(3, 10_000, "小树", "Sapling"),
    Level(4, 100_000, "大树", "Tree"),
    Level(5, 1_000_000, "森林", "Forest"),
)


@dataclass(frozen=True)
class Medal:
    id: str
    zh: str
    en: str


# A medal per family for its first credited action.
FIRSTS = {f.id: Medal(f"first:{f.id}", f"初次{f.zh}", f"First: {f.en}") for f in FAMILIES}
# Lifetime grams.
MILESTONES = (
    (10_000, Medal("grams:10kg", "减碳 10 千克", "10 kg avoided")),
    (100_000, Medal("grams:100kg", "减碳 100 千克", "100 kg avoided")),
    (1_000_000, Medal("grams:1t", "减碳 1 吨", "1 t avoided")),
)
# Consecutive ISO weeks (in the city's zone) with at least one credited action.
STREAKS = (
    (4, Medal("streak:4w", "连续 4 周低碳", "4 weeks in a row")),
    (12, Medal("streak:12w", "连续 12 周低碳", "12 weeks in a row")),
)
MEDALS = (*FIRSTS.values(), *(m for _, m in MILESTONES), *(m for _, m in STREAKS))

# "≈ trees": the US EPA Greenhouse Gas Equivalencies Calculator counts 0.060 t CO2 sequestered by one
# urban tree seedling grown for 10 years (Calculations and References, "Number of tree seedlings grown
# for 10 years"). A resident's grams are shown as that many seedlings grown for ten years.
GRAMS_PER_TREE = 60_000
TREE_SOURCE = (
    "US EPA, Greenhouse Gas Equivalencies Calculator: 0.060 t CO2 per urban tree seedling grown for 10 years"
)


def level_of(grams: int) -> tuple[Level, Level | None]:
    """The level ``grams`` reach, and the next one (None at the top)."""
    reached = [level for level in LEVELS if grams >= level.from_grams]
    current = reached[-1]
    following = [level for level in LEVELS if level.number == current.number + 1]
    return current, following[0] if following else None


def trees(grams: int) -> float:
    return round(grams / GRAMS_PER_TREE, 1)
