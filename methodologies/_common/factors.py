"""A declared parameter as a factor used in a breakdown, with the unit and source its declaration gives."""

from __future__ import annotations

from methodologies._sdk import FactorUsed, Params


def named_factor(params: Params, name: str) -> FactorUsed:
    """``params.<name>`` as a factor used, with the unit and source its declaration gives."""
    meta = params.meta(name)
    return FactorUsed(name, getattr(params, name), meta["unit"], meta["source"])
