"""Access tokens (HS256 JWTs with a ``kid`` header, short-lived) and opaque refresh tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

import jwt

from service.errors import Unauthorized
from service.identity.principal import Principal, Role
from service.settings import AuthSettings

ALGORITHM = "HS256"
LEEWAY_SECONDS = 10


class TokenService:
    def __init__(self, settings: AuthSettings) -> None:
        if not settings.jwt_keys or settings.active_kid is None:
            raise ValueError("no JWT signing key configured")
        self.settings = settings
        self._keys = {kid: key.get_secret_value().encode() for kid, key in settings.jwt_keys.items()}

    def issue_access(self, principal: Principal, now: dt.datetime) -> str:
        kid = self.settings.active_kid
        assert kid is not None
        claims = {
            "iss": self.settings.issuer,
            "sub": principal.subject,
            "role": str(principal.role),
            "iat": int(now.timestamp()),
            "exp": int(now.timestamp()) + self.settings.access_ttl_seconds,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._keys[kid], algorithm=ALGORITHM, headers={"kid": kid})

    def verify_access(self, token: str) -> Principal:
        """The token's principal; Unauthorized for a bad signature, unknown kid, expiry or bad claims."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self._keys.get(kid) if isinstance(kid, str) else None
            if key is None:
                raise Unauthorized("the token's signing key is unknown", code="invalid_token")
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=self.settings.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "sub", "iss"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("the access token has expired", code="token_expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("the access token is not valid", code="invalid_token") from exc
        subject = str(claims["sub"])
        # Every principal is a row id (resident, merchant, city user): anything else was not issued here.
        if not (subject.isascii() and subject.isdigit() and 0 < int(subject) < 2**63):
            raise Unauthorized("the access token's subject is not valid", code="invalid_token")
        try:
            return Principal(subject=subject, role=Role(claims.get("role")))
        except ValueError as exc:
            raise Unauthorized("the access token names no known role", code="invalid_token") from exc


def new_refresh_token() -> str:
    return "rt_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
