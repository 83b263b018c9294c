"""Request and response bodies of attestations, the JWKS and the public revocation check."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.attestations.service import AttestationStatus

STATUS = (
    "valid: not revoked and not expired; revoked: the resident revoked it (or deleted the account); "
    "expired: past its exp"
)
Disclosed = Literal["level", "lifetime", "period"]


class PeriodIn(BaseModel):
    """One period, in local dates of the city's zone, both included."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    # From 2000 on, as every date the API takes (an earlier one is no Tanbi history, and year 1 in the
    # city's zone cannot even be turned into UTC).
    from_: dt.date = Field(
        alias="from",
        ge=dt.date(2000, 1, 1),
        description="the period's first day (YYYY-MM-DD, from 2000-01-01)",
    )
    to: dt.date = Field(
        ge=dt.date(2000, 1, 1), description="the period's last day, included, not after today (YYYY-MM-DD)"
    )


class AttestationIn(BaseModel):
    """What to disclose, to whom, for how long. At least one of level, lifetime and period (422
    nothing_disclosed otherwise); nothing else about the resident is ever in the token."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    audience: str = Field(
        min_length=1, max_length=200, description="the recipient's name, e.g. a bank; the token's aud"
    )
    level: bool = Field(default=False, description="disclose the level (claim level: number and names)")
    lifetime: bool = Field(
        default=False, description="disclose lifetime tonnes CO2e avoided (claim lifetime_tco2e, 3 decimals)"
    )
    period: PeriodIn | None = Field(
        default=None, description="disclose this period's tonnes CO2e avoided (claim period); null: not"
    )
    days: int | None = Field(
        default=None,
        ge=1,
        le=365,
        description="how many days the attestation is valid; default 30, at most 365",
    )


class AttestationOut(BaseModel):
    """An attestation as its resident sees it (the token itself is shown once, at creation)."""

    id: str = Field(description="the attestation's id: the token's jti, which the revocation check takes")
    audience: str = Field(description="the recipient's name (the token's aud)")
    disclosed: list[Disclosed] = Field(description="what the token discloses")
    period_from: dt.date | None = Field(description="the disclosed period's first day; null if none")
    period_to: dt.date | None = Field(description="the disclosed period's last day; null if none")
    kid: str = Field(description="id of the key that signed it (in GET /.well-known/jwks.json)")
    created_at: dt.datetime = Field(
        description="when it was signed (ISO 8601 timestamp, UTC; the token's iat)"
    )
    expires_at: dt.datetime = Field(description="when it expires (ISO 8601 timestamp, UTC; the token's exp)")
    revoked_at: dt.datetime | None = Field(description="when the resident revoked it; null if not revoked")
    status: AttestationStatus = Field(description=STATUS)


class AttestationCreated(AttestationOut):
    """A new attestation with its signed token, shown only now."""

    token: str = Field(
        description=(
            "the compact JWS (EdDSA, header kid) to hand to the recipient; claims iss, aud, sub (random), "
            "jti, iat, exp and only the chosen of level, lifetime_tco2e, period"
        )
    )


class AttestationList(BaseModel):
    """The resident's attestations, newest first."""

    items: list[AttestationOut] = Field(description="the attestations, newest first")


class AttestationCheck(BaseModel):
    """The online revocation check: nothing about the resident, only the attestation's state."""

    id: str = Field(description="the attestation's id (jti)")
    status: AttestationStatus = Field(description=STATUS)
    expires_at: dt.datetime = Field(description="when it expires (ISO 8601 timestamp, UTC)")
    checked_at: dt.datetime = Field(description="when this answer was given (ISO 8601 timestamp, UTC)")


class Jwk(BaseModel):
    """A public key (RFC 8037: OKP, Ed25519)."""

    kty: Literal["OKP"] = Field(description="key type: OKP")
    crv: Literal["Ed25519"] = Field(description="curve: Ed25519")
    x: str = Field(description="the public key, base64url without padding")
    kid: str = Field(description="the key's id: a token's header kid names it")
    use: Literal["sig"] = Field(description="signatures")
    alg: Literal["EdDSA"] = Field(description="the algorithm tokens are signed with")


class JwkSet(BaseModel):
    """The city's attestation keys (RFC 7517 JWK Set): the signing key and any still published after a
    rotation."""

    keys: list[Jwk] = Field(description="the public keys, by kid")
