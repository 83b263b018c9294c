"""Base of every methodology's evidence model: strict (unknown fields are errors) and immutable.

Fields that could identify a person (a plate, an account or order number, an IMEI) are declared with
:func:`identifier`. Tanbi replaces their values with its own keyed hash before anything is stored, so a
methodology only ever sees the hash, and the same plate reported by two partners is the same value.

Fields that say where a person goes or what they use (a stop, a bike, a charger, a rooftop's coordinates)
are declared with :func:`personal`. They are stored as sent, because checks compare them, and when the
resident erases their account they are replaced by pseudonyms (or, on an asset, removed).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

IDENTIFIER = "x-tanbi-identifier"
PERSONAL = "x-tanbi-personal"
# What Tanbi's hash of an identifier looks like: a version tag and 64 hex digits of HMAC-SHA256.
HASHED = re.compile(r"^hk1:[0-9a-f]{64}$")


def identifier(kind: str, *, description: str = "", **constraints: Any) -> Any:
    """A field holding an identifier of ``kind`` (``plate``, ``utility_account``...): hashed by Tanbi.

    Values of one kind hash alike whoever reports them, so ``kind`` names what the value is, not who
    sends it.
    """
    return Field(
        min_length=1,
        max_length=128,
        description=(description + " " if description else "")
        + "(Tanbi replaces it with its keyed hash, hk1:..., before anything is stored)",
        json_schema_extra={IDENTIFIER: kind},
        **constraints,
    )


def personal(*, description: str = "", **constraints: Any) -> Any:
    """A field about the person's movements or belongings: pseudonymised (or removed) on erasure."""
    return Field(
        description=(description + " " if description else "")
        + "(personal: replaced by a pseudonym when the resident erases their account)",
        json_schema_extra={PERSONAL: True},
        **constraints,
    )


class Evidence(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    _identifiers: ClassVar[dict[str, str] | None] = None

    @classmethod
    def identifiers(cls) -> dict[str, str]:
        """Field name -> identifier kind, for every field declared with :func:`identifier`."""
        found = {}
        for name, info in cls.model_fields.items():
            extra = info.json_schema_extra
            if isinstance(extra, dict) and extra.get(IDENTIFIER):
                found[name] = str(extra[IDENTIFIER])
        return found

    @classmethod
    def personal_fields(cls) -> tuple[str, ...]:
        """Names of the fields declared with :func:`personal`."""
        return tuple(
            name
            for name, info in cls.model_fields.items()
            if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get(PERSONAL)
        )
