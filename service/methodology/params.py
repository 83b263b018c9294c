"""Versioned parameters: each code version's defaults are shipped as a version; a city publishes overrides.

Every version stores all parameter values (not only the overrides) and their hash, so an action records
exactly what it was computed with and can be recomputed years later.

A version belongs to the code version it was made for (``code_version``): its values validate against that
code's Params. New credits use the versions of the current code's major version — the newest one in effect
when the action occurred, or the first one if the action occurred before any took effect — so a report that
arrives after a new code version is published is judged by it, and every credit made before keeps the
version it recorded. Shipped defaults are stored in code-version order when first needed (version 1 is
code 1.x's defaults everywhere, version 2 code 2.x's, ...), each recorded and audited as a publication.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from methodologies._sdk import Methodology, Params
from service.audit.models import record as audit
from service.db.base import utcnow
from service.errors import Conflict, Invalid, NotFound, validation_errors
from service.methodology.models import ParamVersion
from service.methodology.repository import ParamRepository

if TYPE_CHECKING:
    from service.methodology.registry import Registry

DEFAULTS_EFFECTIVE_FROM = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# A version may be scheduled for the future, or start now; never rewrite the past (credits were made on it).
PAST_TOLERANCE = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class ResolvedParams:
    version: int
    params: Params
    params_hash: str


def params_hash(values: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def major(code_version: str) -> str:
    return code_version.split(".", 1)[0]


def select_version(rows: Sequence[ParamVersion], code_version: str, at: dt.datetime) -> ParamVersion | None:
    """The version new credits of ``code_version`` use for an action at ``at`` (see the module docstring)."""
    mine = [r for r in rows if major(r.code_version) == major(code_version)]
    in_effect = [r for r in mine if r.effective_from <= at]
    if in_effect:
        return max(in_effect, key=lambda r: r.version)
    return min(mine, key=lambda r: r.version, default=None)


class ParamService:
    def __init__(
        self,
        session: AsyncSession,
        clock: Callable[[], dt.datetime] = utcnow,
        registry: Registry | None = None,
    ) -> None:
        self.repo = ParamRepository(session)
        self.session = session
        self.clock = clock
        self.registry = registry

    async def ensure_defaults(self, methodology: Methodology, lineage: Sequence[Methodology] = ()) -> None:
        """Store the shipped defaults of every code major up to ``methodology``'s that has no version yet.

        ``lineage`` is every loadable code version of the methodology (older majors are shipped first, so
        version numbers mean the same everywhere); without it only ``methodology`` itself is considered.
        """
        rows = list(await self.repo.all(methodology.id))
        stored = {major(r.code_version) for r in rows}
        wanted = {major(m.version): m for m in [*lineage, methodology]}
        for key in sorted(wanted, key=int):
            code = wanted[key]
            if key in stored or int(key) > int(major(methodology.version)):
                continue
            rows.append(await self._ship(code, rows))
            stored.add(key)

    async def _ship(self, code: Methodology, rows: list[ParamVersion]) -> ParamVersion:
        values = code.Params().values()
        previous = max(rows, key=lambda r: r.version, default=None)
        first = previous is None
        now = self.clock()
        row = {
            "methodology_id": code.id,
            "version": 1 if first else previous.version + 1,  # type: ignore[union-attr]
            "code_version": code.version,
            "params": values,
            "params_hash": params_hash(values),
            "overrides": {} if first else _changed(previous.params, values),  # type: ignore[union-attr]
            "reason": f"defaults of {code.id} {code.version}" + ("" if first else " (shipped code version)"),
            "effective_from": DEFAULTS_EFFECTIVE_FROM if first else now,
            "created_by": "system",
            "created_at": now,
        }
        inserted = await self.repo.insert_if_absent(row)
        if inserted and not first:
            await audit(
                self.session,
                "system",
                "methodology.params.publish",
                f"methodology:{code.id}",
                {k: row[k] for k in ("version", "code_version", "reason", "params_hash", "overrides")}
                | {"effective_from": now.isoformat()},
            )
        stored = await self.repo.get(code.id, row["version"])
        assert stored is not None
        return stored

    async def effective(self, methodology: Methodology, at: dt.datetime) -> ResolvedParams:
        row = select_version(await self.repo.all(methodology.id), methodology.version, at)
        if row is None:
            await self.ensure_defaults(methodology, self.lineage(methodology))
            row = select_version(await self.repo.all(methodology.id), methodology.version, at)
            assert row is not None
        return self.resolve(methodology, row)

    def lineage(self, methodology: Methodology) -> Sequence[Methodology]:
        """Every loadable code version of ``methodology``, oldest first (none known without a registry)."""
        if self.registry is None:
            return ()
        return [
            self.registry.version(methodology.id, v) for v in self.registry.known_versions(methodology.id)
        ]

    async def exact(self, methodology: Methodology, version: int) -> ResolvedParams:
        row = await self.repo.get(methodology.id, version)
        if row is None:
            raise NotFound(
                f"{methodology.id} has no parameter version {version}", code="unknown_params_version"
            )
        return self.resolve(methodology, row)

    def resolve(self, methodology: Methodology, row: ParamVersion) -> ResolvedParams:
        return ResolvedParams(row.version, methodology.Params.model_validate(row.params), row.params_hash)

    async def versions(self, methodology: Methodology) -> list[ParamVersion]:
        await self.ensure_defaults(methodology, self.lineage(methodology))
        return list(await self.repo.all(methodology.id))

    async def publish(
        self,
        methodology: Methodology,
        overrides: dict[str, Any],
        *,
        reason: str,
        effective_from: dt.datetime,
        actor: str,
    ) -> ParamVersion:
        """A new parameter version: the latest version's values with ``overrides`` applied. Audited."""
        now = self.clock()
        if effective_from < now - PAST_TOLERANCE:
            raise Invalid("a parameter version cannot take effect in the past", code="effective_in_past")
        if not overrides:
            raise Invalid("give at least one parameter to override", code="no_overrides")
        unknown = sorted(set(overrides) - set(methodology.Params.model_fields))
        if unknown:
            raise Invalid(f"unknown parameters: {', '.join(unknown)}", code="unknown_parameter")
        await self.ensure_defaults(methodology, self.lineage(methodology))
        latest = await self.repo.latest_version(methodology.id)
        rows = await self.repo.all(methodology.id)
        base = max((r for r in rows if major(r.code_version) == major(methodology.version)), key=_number)
        try:
            params = methodology.Params.model_validate({**base.params, **overrides})
        except ValidationError as exc:
            raise Invalid(
                "parameter values are not valid",
                code="invalid_parameters",
                extra={"errors": validation_errors(exc)},
            ) from exc
        if base.effective_from > effective_from:
            raise Conflict(
                f"version {latest} takes effect later ({base.effective_from.isoformat()}); publish after it",
                code="effective_before_latest",
            )
        values = params.values()
        row = ParamVersion(
            methodology_id=methodology.id,
            version=latest + 1,
            code_version=methodology.version,
            params=values,
            params_hash=params_hash(values),
            overrides={k: values[k] for k in overrides},
            reason=reason,
            effective_from=effective_from,
            created_by=actor,
            created_at=now,
        )
        try:
            async with self.session.begin_nested():
                await self.repo.add(row)
        except IntegrityError as exc:
            raise Conflict(
                f"another version {row.version} was published at the same moment; try again",
                code="concurrent_publish",
            ) from exc
        await audit(
            self.session,
            actor,
            "methodology.params.publish",
            f"methodology:{methodology.id}",
            {
                "version": row.version,
                "code_version": row.code_version,
                "overrides": row.overrides,
                "reason": reason,
                "effective_from": effective_from.isoformat(),
                "params_hash": row.params_hash,
            },
        )
        return row


def _number(row: ParamVersion) -> int:
    return row.version


def _changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The values ``after`` sets differently from ``before`` (new parameters included)."""
    return {k: v for k, v in after.items() if before.get(k) != v}
