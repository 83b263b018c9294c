"""Parameters: every field is a factor or a setting that names its unit, source and year.

A ``Params`` subclass whose field lacks any of them is refused when the class is defined, with the list of
what is missing — a number without a source cannot be defended in front of an auditor.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

REQUIRED_META = ("unit", "source", "year")


def factor(
    default: Decimal | int | str,
    *,
    unit: str,
    source: str,
    year: int,
    description: str = "",
    **constraints: Any,
) -> Any:
    """A numeric parameter (kept as Decimal) with its provenance; ``constraints`` bound a city's values."""
    return Field(
        default=Decimal(str(default)),
        description=description,
        json_schema_extra={"unit": unit, "source": source, "year": year},
        **constraints,
    )


def setting(
    default: Any, *, unit: str, source: str, year: int, description: str = "", **constraints: Any
) -> Any:
    """A non-numeric or count parameter (a limit, a flag) with its provenance."""
    return Field(
        default=default,
        description=description,
        json_schema_extra={"unit": unit, "source": source, "year": year},
        **constraints,
    )


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Fields are checked when a subclass is defined; the base has none.
    _checked: ClassVar[bool] = False

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        missing = [
            f"{name}.{meta}"
            for name, info in cls.model_fields.items()
            for meta in REQUIRED_META
            if not isinstance(info.json_schema_extra, dict) or not info.json_schema_extra.get(meta)
        ]
        if missing:
            raise TypeError(f"{cls.__qualname__}: parameters without provenance: {', '.join(missing)}")

    @classmethod
    def describe(cls) -> list[dict[str, Any]]:
        """Every parameter with its default, unit, source and year (for the API and the READMEs)."""
        described = []
        for name, info in cls.model_fields.items():
            meta = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            described.append(
                {
                    "name": name,
                    "default": _plain(info.default),
                    "unit": meta["unit"],
                    "source": meta["source"],
                    "year": meta["year"],
                    "description": info.description or "",
                }
            )
        return described

    def values(self) -> dict[str, Any]:
        """The parameters as plain JSON values (Decimals as strings, so nothing is rounded)."""
        return {name: _plain(value) for name, value in self.model_dump().items()}

    def meta(self, name: str) -> dict[str, Any]:
        extra = type(self).model_fields[name].json_schema_extra
        return dict(extra) if isinstance(extra, dict) else {}


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


CONSERVATIVENESS_SOURCE = (
    "Tanbi methodologies v2 (methodologies.md, credibility rules): multiplies every reduction; "
    "must be below 1 before reductions are sold as tradable units"
)


class Conservative(Params):
    """The conservativeness factor every methodology of SDK API 2 carries (default 1.0, in (0, 1])."""

    conservativeness: Decimal = factor(
        "1.0",
        unit="ratio",
        source=CONSERVATIVENESS_SOURCE,
        year=2026,
        description="the reduction is multiplied by this; a city lowers it for tradable reductions",
        gt=0,
        le=1,
    )
