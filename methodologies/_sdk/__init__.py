"""The methodology SDK: what a plug-in implements and what the service hands it.

A plug-in module exposes ``METHODOLOGY`` (or a callable returning it) through the ``tanbi.methodologies``
entry-point group; its ``api_version`` must equal :data:`API_VERSION`.
"""

from methodologies._sdk.api import API_VERSION
from methodologies._sdk.context import Context, Usage
from methodologies._sdk.evidence import HASHED, Evidence, identifier, personal
from methodologies._sdk.families import FAMILIES, FAMILY_IDS, Family
from methodologies._sdk.params import Conservative, Params, factor, setting
from methodologies._sdk.protocol import BaseMethodology, Cap, Claim, Exclusive, Methodology, Occupancy
from methodologies._sdk.quantity import FactorUsed, Gas, Quantity, floor_grams
from methodologies._sdk.reasons import COMMON as COMMON_REASONS
from methodologies._sdk.verdict import Verdict

__all__ = [
    "API_VERSION",
    "COMMON_REASONS",
    "FAMILIES",
    "FAMILY_IDS",
    "HASHED",
    "BaseMethodology",
    "Cap",
    "Claim",
    "Conservative",
    "Context",
    "Evidence",
    "Exclusive",
    "FactorUsed",
    "Family",
    "Gas",
    "Methodology",
    "Occupancy",
    "Params",
    "Quantity",
    "Usage",
    "Verdict",
    "factor",
    "floor_grams",
    "identifier",
    "personal",
    "setting",
]
