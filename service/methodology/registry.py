"""The methodology registry: every plug-in of the ``tanbi.methodologies`` entry-point group, by version.

An entry point names a methodology object, or a tuple of them (one per code version: older versions stay
loadable so old actions can be replayed). Built-ins (shipped in this distribution) must load: a broken one
stops start-up. A broken third-party plug-in is logged and skipped; one written for another SDK API version
is refused with a message that says which.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from methodologies._sdk import API_VERSION, COMMON_REASONS, FAMILY_IDS, Evidence, Methodology, Params
from service.errors import NotFound

log = logging.getLogger("tanbi.methodologies")

GROUP = "tanbi.methodologies"
BUILTIN_PREFIX = "methodologies."
ID = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


class PluginError(Exception):
    """A plug-in that cannot be used, and why."""


@dataclass
class Registry:
    versions: dict[str, dict[str, Methodology]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # entry point name -> why it was skipped
    # id -> its newest code version; the credit path asks for every event, so it is worked out once.
    _newest: dict[str, Methodology] = field(default_factory=dict, init=False, repr=False)

    def ids(self) -> list[str]:
        return sorted(self.versions)

    def current(self, methodology_id: str) -> Methodology:
        """The newest code version of ``methodology_id``; NotFound if there is none."""
        newest = self._newest.get(methodology_id)
        if newest is not None:
            return newest
        versions = self.versions.get(methodology_id)
        if not versions:
            raise NotFound(f"no methodology {methodology_id!r}", code="unknown_methodology")
        newest = self._newest[methodology_id] = versions[max(versions, key=_semver_key)]
        return newest

    def version(self, methodology_id: str, version: str) -> Methodology:
        try:
            return self.versions[methodology_id][version]
        except KeyError:
            raise NotFound(
                f"methodology {methodology_id!r} has no code version {version!r}",
                code="unknown_methodology_version",
            ) from None

    def families(self) -> dict[str, str]:
        """Methodology id -> the plan's family its current code version belongs to."""
        return {mid: self.current(mid).family for mid in self.ids()}

    def known_versions(self, methodology_id: str) -> list[str]:
        return sorted(self.versions.get(methodology_id, {}), key=_semver_key)

    def add(self, name: str, loaded: Any) -> None:
        items = loaded if isinstance(loaded, (tuple, list)) else (loaded,)
        checked = [check_methodology(name, item) for item in items]
        if not checked:
            raise PluginError(f"{name}: the entry point names no methodology")
        for methodology in checked:
            slot = self.versions.setdefault(methodology.id, {})
            if methodology.version in slot:
                raise PluginError(f"{name}: {methodology.id} {methodology.version} is registered twice")
            slot[methodology.version] = methodology
            self._newest.pop(methodology.id, None)


def load_registry(points: Iterable[EntryPoint] | None = None) -> Registry:
    """Discover and check every plug-in. Raises PluginError when a built-in is broken."""
    registry = Registry()
    for point in sorted(points if points is not None else entry_points(group=GROUP), key=lambda p: p.name):
        builtin = point.value.startswith(BUILTIN_PREFIX)
        try:
            registry.add(point.name, point.load())
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if builtin:
                raise PluginError(f"built-in methodology {point.name!r} is broken: {reason}") from exc
            log.error("skipping methodology plug-in %r (%s): %s", point.name, point.value, reason)
            registry.skipped[point.name] = reason
    return registry


def check_methodology(name: str, item: Any) -> Methodology:
    """``item`` if it keeps the SDK's contract; PluginError naming what it breaks otherwise."""
    api = getattr(item, "api_version", None)
    if api != API_VERSION:
        raise PluginError(
            f"{name}: written for methodology SDK API version {api!r}, "
            f"but this Tanbi speaks version {API_VERSION}"
        )
    if not isinstance(item, Methodology):
        missing = [a for a in _required_attributes() if not hasattr(item, a)]
        raise PluginError(f"{name}: not a methodology; missing {', '.join(missing) or 'methods'}")
    problems = []
    if not ID.match(str(item.id)):
        problems.append(f"id {item.id!r} is not lowercase snake_case")
    if not SEMVER.match(str(item.version)):
        problems.append(f"version {item.version!r} is not semantic (MAJOR.MINOR.PATCH)")
    if not (isinstance(item.Evidence, type) and issubclass(item.Evidence, Evidence)):
        problems.append("Evidence does not subclass methodologies._sdk.Evidence")
    if not (isinstance(item.Params, type) and issubclass(item.Params, Params)):
        problems.append("Params does not subclass methodologies._sdk.Params")
    else:
        item.Params()  # the defaults (parameter version 1) must validate
    if not str(item.readme).strip():
        problems.append("README is empty")
    if getattr(item, "family", None) not in FAMILY_IDS:
        problems.append(f"family {getattr(item, 'family', None)!r} is not one of {', '.join(FAMILY_IDS)}")
    problems += _declaration_problems(item)
    if problems:
        raise PluginError(f"{name}: " + "; ".join(problems))
    return item


def _declaration_problems(item: Any) -> list[str]:
    """The optional declarations, when made, must be usable: reason meanings in both languages, and an
    evidence example the evidence model accepts."""
    problems = []
    for code, meaning in dict(getattr(item, "reasons", {}) or {}).items():
        if not (isinstance(meaning, tuple) and len(meaning) == 2 and all(meaning)):
            problems.append(f"reason {code!r} needs its meaning as (中文, English)")
    example = getattr(item, "example", None)
    if example is not None:
        try:
            item.Evidence.model_validate(example)
        except Exception as exc:
            problems.append(f"the evidence example is not valid evidence: {exc}")
    return problems


def reason_meanings(methodology: Methodology) -> dict[str, tuple[str, str]]:
    """Every reason code ``methodology`` may give, with its meaning (中文, English)."""
    return dict(COMMON_REASONS) | dict(getattr(methodology, "reasons", {}) or {})


def _required_attributes() -> list[str]:
    return [
        "id",
        "version",
        "title",
        "source",
        "family",
        "readme",
        "Evidence",
        "Params",
        "verify",
        "quantify",
        "occurred_at",
    ]


def _semver_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))
