"""A verification's outcome: accepted, or rejected with machine-readable reason codes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    reasons: tuple[str, ...] = ()

    @classmethod
    def accept(cls) -> Verdict:
        return cls(True)

    @classmethod
    def reject(cls, *reasons: str) -> Verdict:
        if not reasons:
            raise ValueError("a rejection needs at least one reason code")
        return cls(False, tuple(dict.fromkeys(reasons)))

    @classmethod
    def of(cls, reasons: list[str]) -> Verdict:
        """Accepted when ``reasons`` is empty, rejected with them otherwise."""
        return cls.reject(*reasons) if reasons else cls.accept()
