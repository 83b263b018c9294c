"""The contract a methodology implements, and the declarations the service enforces around it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from methodologies._sdk.context import Context
from methodologies._sdk.evidence import Evidence
from methodologies._sdk.params import Params
from methodologies._sdk.quantity import Quantity
from methodologies._sdk.verdict import Verdict


@dataclass(frozen=True)
class Occupancy:
    """A span of time the action occupies in ``scope``; two accepted actions may not overlap in one scope.

    ``per_resident`` scopes are the resident's own (a resident cannot ride two buses at once); others are
    global (a PV system's meter period is one, whoever reports it).
    """

    scope: str
    start: dt.datetime
    end: dt.datetime
    per_resident: bool = True
    reason: str = "overlap"


@dataclass(frozen=True)
class Claim:
    """A key for physical evidence that may be credited once, ever, whoever reports it."""

    key: str
    reason: str = "duplicate_evidence"


@dataclass(frozen=True)
class Cap:
    """A limit the service enforces with counters across actions.

    ``measure`` is what is counted: ``"actions"`` (this action adds 1), ``"grams"`` (adds its grams) or a
    named evidence quantity (adds ``amount``). ``period`` is the resident's local ``day``, ``month`` or
    ``year``, or ``action`` for a per-action limit. With ``clip`` the part under the limit is credited;
    otherwise an action that would pass the limit is rejected with ``reason``.
    """

    reason: str
    measure: str
    period: Literal["action", "day", "month", "year"]
    limit: Decimal
    amount: Decimal | None = None
    scope: str = "resident"
    per_resident: bool = True
    clip: bool = False


@dataclass(frozen=True)
class Exclusive:
    """Ways of crediting the same avoided emissions that must not add up (no double counting).

    Per resident and local ``period``, the members of ``group`` together are credited what the largest
    member's actions are worth, never their sum, whatever order the reports arrive in: each action adds
    its grams (after its own caps) to its ``member``'s total and is credited by how much the largest
    total grew. ``members`` names every member of the group, this one included.
    """

    group: str
    member: str
    members: tuple[str, ...]
    period: Literal["day", "month"]
    reason: str = "counted_elsewhere"


@runtime_checkable
class Methodology(Protocol):
    id: str
    version: str  # semantic version of the code; bump whenever results can change
    title: str
    source: str  # the document the methodology follows
    family: str  # one of the plan's families (methodologies._sdk.families)
    api_version: int
    readme: str
    Evidence: type[Evidence]
    Params: type[Params]

    def verify(self, evidence: Any, params: Any, context: Context) -> Verdict:
        """Plausibility and eligibility of ``evidence``. Pure: no I/O, no clock (use ``context.now``)."""
        ...

    def quantify(self, evidence: Any, params: Any) -> Quantity:
        """Grams CO2e avoided by ``evidence`` under ``params``, with the breakdown. Pure."""
        ...

    def occurred_at(self, evidence: Any) -> dt.datetime:
        """When the action happened (the parameter version and the cap period are chosen by this)."""
        ...

    def occupancy(self, evidence: Any) -> tuple[Occupancy, ...]: ...

    def claims(self, evidence: Any) -> tuple[Claim, ...]: ...

    def caps(self, evidence: Any, params: Any) -> tuple[Cap, ...]: ...

    def exclusive(self, evidence: Any, params: Any) -> tuple[Exclusive, ...]: ...

    def asset_ref(self, evidence: Any) -> str | None:
        """The registered asset the evidence belongs to (e.g. a PV system id), if the methodology has one."""
        ...

    def history_key(self, evidence: Any) -> str | None:
        """Actions sharing this key form a series; the latest accepted one arrives as context.previous."""
        ...


class BaseMethodology:
    """Defaults for the optional declarations: no occupancy, claims, caps, exclusive groups, asset or history.

    ``partner`` says who can prove the action (for the partner guide); ``reasons`` the meaning (中文,
    English) of the codes the methodology's own checks give; ``example`` a valid piece of evidence;
    ``asset_registrar`` who may register the methodology's assets (``resident`` or ``partner``).
    """

    api_version: ClassVar[int]
    family: ClassVar[str]
    asset_kind: ClassVar[str | None] = None
    Asset: ClassVar[type[Evidence] | None] = None
    asset_registrar: ClassVar[str] = "resident"
    partner: ClassVar[str] = ""
    reasons: ClassVar[dict[str, tuple[str, str]]] = {}
    example: ClassVar[dict[str, Any] | None] = None

    def occupancy(self, evidence: Any) -> tuple[Occupancy, ...]:
        return ()

    def claims(self, evidence: Any) -> tuple[Claim, ...]:
        return ()

    def caps(self, evidence: Any, params: Any) -> tuple[Cap, ...]:
        return ()

    def exclusive(self, evidence: Any, params: Any) -> tuple[Exclusive, ...]:
        return ()

    def derived_facts(self, evidence: Any, params: Any, asset: Mapping[str, Any]) -> dict[str, str]:
        """Facts worked out from the registered asset (e.g. a PV system's clear-sky bound), computed once
        when the action is recorded and stored with it; ``verify`` reads them from ``context.extra``. A
        replay then needs the stored facts, not the asset (whose details a resident's erasure removes)."""
        return {}

    def asset_ref(self, evidence: Any) -> str | None:
        return None

    def history_key(self, evidence: Any) -> str | None:
        return None
