"""Reason codes and what they mean, in Chinese first and English.

The codes every methodology may see are here (the service's own checks, and the time-window checks most
methodologies share). A methodology declares the codes of its own checks in ``reasons``; the partner guide
and residents' screens read both.
"""

from __future__ import annotations

from collections.abc import Mapping

# code -> (中文, English)
Meanings = Mapping[str, tuple[str, str]]

COMMON: Meanings = {
    "invalid_interval": ("结束时间不晚于开始时间", "the period does not end after it starts"),
    "in_future": ("发生时间晚于当前时间", "it happens after the time of checking"),
    "stale": ("上报过晚，超出时效窗口", "reported too late: older than the staleness window"),
    "occurred_at_mismatch": (
        "上报的发生时间与凭证时间相差超过 24 小时",
        "the event's occurred_at is more than 24 h from the time the evidence shows",
    ),
    "overlap": (
        "与同一居民已计入的行为时间重叠",
        "it overlaps an action already credited to the same resident",
    ),
    "duplicate_evidence": ("同一凭证已计入过", "the same evidence was credited before"),
    "daily_cap": ("超出每日上限", "past the daily cap"),
    "monthly_cap": ("超出每月上限", "past the monthly cap"),
    "yearly_cap": ("超出每年上限", "past the yearly cap"),
    "unregistered_asset": ("设备未登记或不属于该居民", "the asset is not registered to this resident"),
    "not_eligible": ("不符合方法学的适用条件", "not eligible under the methodology"),
    # Not a rejection: the action is accepted, and credited only what its exclusive group grew by.
    "counted_elsewhere": (
        "同一减排已由另一种方式计入，取两者中较大者，不重复计入",
        "the same reduction is credited another way: the larger of the two counts, never both",
    ),
}
