"""The methodology SDK: what a plug-in implements and what the service hands it.

A plug-in module exposes ``METHODOLOGY`` (or a callable returning it) through the ``tanbi.methodologies``
entry-point group; its ``api_version`` must equal :data:`API_VERSION`.
"""

from methodologies._sdk.api import API_VERSION
from methodologies._sdk.context import Context, Usage
from methodologies._sdk.evidence import Evidence
from methodologies._sdk.params import Params, factor, setting
from methodologies._sdk.protocol import BaseMethodology, Cap, Claim, Methodology, Occupancy
from methodologies._sdk.quantity import FactorUsed, Quantity, floor_grams
from methodologies._sdk.verdict import Verdict

__all__ = [
    "API_VERSION",
    "BaseMethodology",
    "Cap",
    "Claim",
    "Context",
    "Evidence",
    "FactorUsed",
    "Methodology",
    "Occupancy",
    "Params",
    "Quantity",
    "Usage",
    "Verdict",
    "factor",
    "floor_grams",
    "setting",
]
