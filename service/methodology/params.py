"""Versioned parameters: version 1 is each methodology's defaults; a city publishes overrides as new versions.

Every version stores all parameter values (not only the overrides) and their hash, so an action records
exactly what it was computed with and can be recomputed years later.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from methodologies._sdk import Methodology, Params
from service.audit.models import record as audit
from service.db.base import utcnow
from service.errors import Conflict, Invalid, NotFound, validation_errors
from service.methodology.models import ParamVersion
from service.methodology.repository import ParamRepository

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


class ParamService:
    def __init__(self, session: AsyncSession, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.repo = ParamRepository(session)
        self.session = session
        self.clock = clock

    async def ensure_defaults(self, methodology: Methodology) -> None:
        """Store the code's defaults as parameter version 1 (once; an existing version 1 is kept)."""
        values = methodology.Params().values()
        await self.repo.insert_if_absent(
            {
                "methodology_id": methodology.id,
                "version": 1,
                "params": values,
                "params_hash": params_hash(values),
                "overrides": {},
                "reason": f"defaults of {methodology.id} {methodology.version}",
                "effective_from": DEFAULTS_EFFECTIVE_FROM,
                "created_by": "system",
                "created_at": utcnow(),
            }
        )

    async def effective(self, methodology: Methodology, at: dt.datetime) -> ResolvedParams:
        row = await self.repo.effective(methodology.id, at)
        if row is None:
            await self.ensure_defaults(methodology)
            row = await self.repo.effective(methodology.id, at)
            assert row is not None
        return self.resolve(methodology, row)

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
        await self.ensure_defaults(methodology)
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
        await self.ensure_defaults(methodology)
        latest = await self.repo.latest_version(methodology.id)
        base = await self.repo.get(methodology.id, latest)
        assert base is not None
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
                "overrides": row.overrides,
                "reason": reason,
                "effective_from": effective_from.isoformat(),
                "params_hash": row.params_hash,
            },
        )
        return row
