"""The authenticated caller, as carried by an access token."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    RESIDENT = "resident"
    MERCHANT = "merchant"
    PARTNER = "partner"
    CITY = "city"
    AUDITOR = "auditor"
    # A third-party verifier (审定与核证机构) of the carbon registry's batches.
    VERIFIER = "verifier"


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role

    @property
    def resident_id(self) -> int:
        if self.role != Role.RESIDENT:
            raise ValueError("not a resident")
        return int(self.subject)
