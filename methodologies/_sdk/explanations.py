"""A reason code explained to a resident, with the numbers: "速度不合理：5.0 公里用时 2 分钟".

``reasons.py`` says what a code means; this module says it about one action, from what the action stored:
its evidence, its breakdown (the quantity and the caps applied) and its context (the time of checking).
A template is used when every number it names can be read from the action; otherwise the code's meaning
(the methodology's ``reasons``, then ``COMMON``, then ``MEANINGS`` here for codes that older methodology
versions give without declaring them). A methodology's summary ("5.0 km", "12.5 kWh") comes from the same
readings. Pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

# Meanings of codes that methodology versions give without declaring them (the versions before
# ``reasons`` existed); a declared meaning wins.
MEANINGS: dict[str, tuple[str, str]] = {
    "too_short": ("距离或时长低于下限", "below the minimum distance or duration"),
    "too_long": ("距离或时长超过上限", "above the maximum distance or duration"),
    "too_small": ("数量低于下限", "below the minimum amount"),
    "implausible_speed": ("平均速度不合理", "the average speed is implausible"),
    "implausible_distance": ("里程不合理", "the distance is implausible"),
    "implausible_energy": ("电量不合理", "the energy is implausible"),
    "implausible_weight": ("重量不合理", "the weight is implausible"),
    "meter_rollback": ("读数比上一次小", "the meter reads less than before"),
    "driven": ("当天有行驶里程", "the car was driven that day"),
    "period_too_long": ("统计周期过长", "the period is too long"),
    "evse_overlap": ("同一充电桩同时段已有其他充电记录", "another session on the same charger overlaps it"),
    "exceeds_clear_sky": ("发电量超过晴空条件下的上限", "more generation than clear sky allows"),
    "gec_exceeds_generation": ("已核发绿证的电量超过发电量", "more green certificates than generation"),
    "before_grid_connection": ("早于并网日期", "before the system was connected to the grid"),
    "unverified_asset": ("设备未经合作方核实", "the asset is not verified by a partner"),
    "insufficient_history": ("历史数据不足以确定基准", "not enough history for a baseline"),
    "not_paperless": ("未开通无纸化账单", "the bill is not paperless"),
    "cutlery_requested": ("订单要求了餐具", "the order asked for cutlery"),
    "bag_bought": ("购买了塑料袋", "plastic bags were bought"),
    "resold_too_soon": ("转售过快", "resold too soon"),
    "vacant": ("房屋空置", "the home was vacant"),
    "not_parked_all_day": ("车辆未全天停驶", "the car was not parked all day"),
}

# code -> (中文, English) with numbers read from the action (``readings``).
TEMPLATES: dict[str, tuple[str, str]] = {
    "implausible_speed": (
        "速度不合理：{distance_km} 公里用时 {minutes} 分钟",
        "Implausible speed: {distance_km} km in {minutes} minutes",
    ),
    "too_short": ("距离过短：{distance_km} 公里", "Too short: {distance_km} km"),
    "too_long": (
        "距离或时长超过上限：{distance_km} 公里，用时 {minutes} 分钟",
        "Too long: {distance_km} km in {minutes} minutes",
    ),
    "stale": (
        "上报过晚：行为发生在 {age_days} 天前，超出时效窗口",
        "Reported too late: it happened {age_days} days before it was checked",
    ),
    "daily_cap": (
        "超出每日上限：当日已计 {cap_used} {cap_unit_zh}，上限 {cap_limit} {cap_unit_zh}",
        "Past the daily cap: {cap_used} {cap_unit_en} counted that day, the cap is {cap_limit}",
    ),
    "monthly_cap": (
        "超出每月上限：当月已计 {cap_used} {cap_unit_zh}，上限 {cap_limit} {cap_unit_zh}",
        "Past the monthly cap: {cap_used} {cap_unit_en} counted that month, the cap is {cap_limit}",
    ),
    "yearly_cap": (
        "超出每年上限：当年已计 {cap_used} {cap_unit_zh}，上限 {cap_limit} {cap_unit_zh}",
        "Past the yearly cap: {cap_used} {cap_unit_en} counted that year, the cap is {cap_limit}",
    ),
    "too_small": ("数量过小：{amount}", "Too small: {amount}"),
    "implausible_energy": ("电量不合理：{energy_kwh} 千瓦时", "Implausible energy: {energy_kwh} kWh"),
}

UNITS = {"actions": ("次", "actions"), "grams": ("克", "g")}
# Evidence fields that say when an action started and ended, in the order they are looked for.
SPANS = (("boarded_at", "alighted_at"), ("started_at", "ended_at"), ("period_start", "period_end"))
# Evidence fields that say how much, and how a summary shows them: (field, divisor, unit, decimals).
AMOUNTS = (
    ("distance_m", Decimal(1000), "km", 1),
    ("energy_kwh", Decimal(1), "kWh", 1),
    ("kwh", Decimal(1), "kWh", 1),
)
TITLE = re.compile(r"^(?P<en>.*?)\s*\((?P<zh>[^()]*)\)\s*$")


def names(title: str) -> tuple[str, str]:
    """(中文, English) of a methodology title written "Bus trip (公交出行)"."""
    found = TITLE.match(title)
    return (found["zh"], found["en"]) if found else (title, title)


def meaning(code: str, declared: Mapping[str, tuple[str, str]]) -> tuple[str, str]:
    """(中文, English) of ``code``: as declared (methodology, then COMMON), else MEANINGS, else the code."""
    return declared.get(code) or MEANINGS.get(code) or (code, code)


def explain(
    code: str,
    declared: Mapping[str, tuple[str, str]],
    evidence: Mapping[str, Any],
    breakdown: Mapping[str, Any],
    context: Mapping[str, Any],
    occurred_at: dt.datetime | None = None,
) -> tuple[str, str]:
    """(中文, English) explanation of ``code`` for one action, with its numbers when they can be read."""
    facts = readings(evidence, breakdown, context, occurred_at) | _cap_facts(code, breakdown)
    template = TEMPLATES.get(code)
    if template is not None and all(_fields(t) <= facts.keys() for t in template):
        return template[0].format_map(facts), template[1].format_map(facts)
    return meaning(code, declared)


def summary(evidence: Mapping[str, Any]) -> str | None:
    """The action's size in a few characters, the same in both languages: "5.0 km", "12.5 kWh"."""
    for name, divisor, unit, places in AMOUNTS:
        value = _decimal(evidence.get(name))
        if value is not None:
            return f"{_round(value / divisor, places)} {unit}"
    start, end = _decimal(evidence.get("odometer_start_km")), _decimal(evidence.get("odometer_end_km"))
    if start is not None and end is not None and end >= start:
        return f"{_round(end - start, 1)} km"
    return None


def readings(
    evidence: Mapping[str, Any],
    breakdown: Mapping[str, Any],
    context: Mapping[str, Any],
    occurred_at: dt.datetime | None = None,
) -> dict[str, str]:
    """The numbers an explanation may name, as text: distance_km, minutes, energy_kwh, amount,
    claimed_grams, age_days; only those the action has."""
    facts: dict[str, str] = {}
    distance = _decimal(evidence.get("distance_m"))
    if distance is not None:
        facts["distance_km"] = _round(distance / 1000, 1)
    for first, last in SPANS:
        start, end = _time(evidence.get(first)), _time(evidence.get(last))
        if start is not None and end is not None:
            facts["minutes"] = _round(Decimal((end - start).total_seconds()) / 60, 0)
            occurred_at = occurred_at or start
            break
    energy = _decimal(evidence.get("energy_kwh"))
    if energy is not None:
        facts["energy_kwh"] = _round(energy, 1)
    shown = summary(evidence)
    if shown is not None:
        facts["amount"] = shown
    grams = breakdown.get("grams")
    if isinstance(grams, int):
        facts["claimed_grams"] = str(grams)
    now = _time(context.get("now"))
    if now is not None and occurred_at is not None:
        facts["age_days"] = str(max((now - occurred_at).days, 0))
    return facts


def _cap_facts(code: str, breakdown: Mapping[str, Any]) -> dict[str, str]:
    """The numbers of the cap that gave ``code``: the first applied cap with that reason it overflowed."""
    for cap in breakdown.get("caps") or ():
        if not isinstance(cap, Mapping) or cap.get("reason") != code or "clipped_to" in cap:
            continue
        used, limit, amount = (_decimal(cap.get(k)) for k in ("used_before", "limit", "amount"))
        unit = UNITS.get(str(cap.get("measure")))
        if used is None or limit is None or amount is None or unit is None or used + amount <= limit:
            continue
        return {
            "cap_used": _round(used, 0),
            "cap_limit": _round(limit, 0),
            "cap_unit_zh": unit[0],
            "cap_unit_en": unit[1],
        }
    return {}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _round(value: Decimal, places: int) -> str:
    return str(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None
    return None
