"""Creating, listing, revoking and checking residents' attestations of their carbon account.

An attestation is a compact JWS (EdDSA, the city's published key ``kid``) that a resident hands to a bank
or agency. It discloses only what the resident chose, of: their level, their lifetime tonnes CO2e, one
period's tonnes. It carries no name, phone or resident id: ``sub`` is random per attestation. ``iss`` is
the service's public URL, ``aud`` the recipient's name the resident gave, ``jti`` the id the public
revocation check answers for. Tonnes are counted grams / 10^6, rounded half up to 3 decimals.

Promises: a token verifies offline against the JWKS until ``exp``; the online check answers ``revoked``
from the moment the resident revokes it (or deletes the account), ``expired`` after ``exp``, and ``valid``
otherwise. Nothing else about the resident is ever answered to the recipient.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

import jwt
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.achievements.rules import level_of
from service.achievements.totals import grams_between, totals
from service.attestations.keys import ALGORITHM, signing_keys
from service.attestations.models import Attestation
from service.errors import Invalid, NotFound
from service.identity.service import active_resident
from service.settings import Settings

DISCLOSABLE = ("level", "lifetime", "period")


class AttestationStatus(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Disclosure:
    """What the resident chose to disclose, to whom, and for how long."""

    audience: str
    level: bool = False
    lifetime: bool = False
    period: tuple[dt.date, dt.date] | None = None
    days: int | None = None  # None: the configured default

    @property
    def names(self) -> list[str]:
        chosen = {"level": self.level, "lifetime": self.lifetime, "period": self.period is not None}
        return [name for name in DISCLOSABLE if chosen[name]]


def tonnes(grams: int) -> float:
    """Grams as tonnes, rounded half up to 3 decimals (a JSON number)."""
    return float((Decimal(grams) / 1_000_000).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


def status_of(attestation: Attestation, now: dt.datetime) -> AttestationStatus:
    if attestation.revoked_at is not None:
        return AttestationStatus.REVOKED
    return AttestationStatus.EXPIRED if attestation.expires_at <= now else AttestationStatus.VALID


async def create(
    session: AsyncSession, settings: Settings, resident_id: int, disclosure: Disclosure, now: dt.datetime
) -> tuple[Attestation, str]:
    """A new attestation and its compact JWS. 422 ``nothing_disclosed``, ``invalid_range`` (a period
    ending before it starts or after today) or ``attestation_too_long``; 503 without a signing key."""
    await active_resident(session, resident_id)
    kid, key = signing_keys(settings.attestations).signer()
    _check(settings, disclosure, now)
    now = now.replace(microsecond=0)  # the token's times are whole seconds; the row says the same
    days = disclosure.days or settings.attestations.default_days
    row = Attestation(
        jti=secrets.token_urlsafe(18),
        resident_id=resident_id,
        subject=secrets.token_urlsafe(18),
        audience=disclosure.audience,
        disclosed=",".join(disclosure.names),
        period_from=disclosure.period[0] if disclosure.period else None,
        period_to=disclosure.period[1] if disclosure.period else None,
        kid=kid,
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    claims = await _claims(session, settings, row, disclosure)
    token = jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid, "typ": "JWT"})
    session.add(row)
    await session.flush()
    return row, token


def _check(settings: Settings, disclosure: Disclosure, now: dt.datetime) -> None:
    if not disclosure.names:
        raise Invalid(
            "choose at least one of level, lifetime and period to disclose", code="nothing_disclosed"
        )
    if disclosure.days is not None and disclosure.days > settings.attestations.max_days:
        raise Invalid(
            f"an attestation lives at most {settings.attestations.max_days} days",
            code="attestation_too_long",
            extra={"max_days": settings.attestations.max_days},
        )
    if disclosure.period is not None:
        first, last = disclosure.period
        if last < first or last > now.astimezone(settings.zone).date():
            raise Invalid(
                "the period must end on or after its start, and not after today", code="invalid_range"
            )


async def _claims(
    session: AsyncSession, settings: Settings, row: Attestation, disclosure: Disclosure
) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": settings.public_url,
        "aud": row.audience,
        "sub": row.subject,
        "jti": row.jti,
        "iat": int(row.created_at.timestamp()),
        "exp": int(row.expires_at.timestamp()),
    }
    if disclosure.level or disclosure.lifetime:
        grams = (await totals(session, row.resident_id)).grams
        if disclosure.level:
            level, _ = level_of(grams)
            claims["level"] = {"number": level.number, "name_zh": level.zh, "name_en": level.en}
        if disclosure.lifetime:
            claims["lifetime_tco2e"] = tonnes(grams)
    if disclosure.period is not None:
        first, last = disclosure.period
        grams = await grams_between(session, row.resident_id, first, last, settings.zone)
        claims["period"] = {"from": first.isoformat(), "to": last.isoformat(), "tco2e": tonnes(grams)}
    return claims


async def attestations_of(session: AsyncSession, resident_id: int, limit: int) -> Sequence[Attestation]:
    """The resident's attestations, newest first."""
    stmt = (
        sa.select(Attestation)
        .where(Attestation.resident_id == resident_id)
        .order_by(Attestation.created_at.desc(), Attestation.id.desc())
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def revoke(session: AsyncSession, resident_id: int, jti: str, now: dt.datetime) -> Attestation:
    """Revoke the resident's attestation ``jti`` (again: no change). Another resident's is 404."""
    row = await session.scalar(
        sa.select(Attestation)
        .where(Attestation.jti == jti, Attestation.resident_id == resident_id)
        .with_for_update()
    )
    if row is None:
        raise NotFound("no such attestation", code="attestation_not_found")
    if row.revoked_at is None:
        row.revoked_at = now
        await session.flush()
    return row


async def revoke_all(session: AsyncSession, resident_id: int, now: dt.datetime) -> int:
    """Revoke every unrevoked attestation of the resident (account deletion); returns how many."""
    result = await session.execute(
        sa.update(Attestation)
        .where(Attestation.resident_id == resident_id, Attestation.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def public_status(session: AsyncSession, jti: str) -> Attestation:
    """The attestation ``jti`` for the public revocation check; 404 ``attestation_not_found``."""
    row = await session.scalar(sa.select(Attestation).where(Attestation.jti == jti))
    if row is None:
        raise NotFound("no such attestation", code="attestation_not_found")
    return row
