"""Access tokens (HS256 JWTs with a ``kid`` header, short-lived) and opaque refresh tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
import uuid
from collections.abc import Callable

import jwt

from service.errors import Unauthorized
from service.identity.principal import Principal, Role
from service.settings import AuthSettings

ALGORITHM = "HS256"
LEEWAY_SECONDS = 10
# Verified access tokens a process remembers (a few hundred bytes each): the active callers of the last
# minutes. Past it the least recently used is forgotten and verified again on its next use.
VERIFIED_MAX = 4096


class TokenService:
    """Issues and verifies access tokens.

    ``verify_access`` remembers the tokens it verified (``remember`` of them, the least recently used
    forgotten first), keyed by the exact token string, until their ``exp`` plus the leeway: a repeat skips
    decoding and the HMAC (0.1-0.2 ms of CPU, a fifth of a wallet read's), a token never seen is verified
    in full, and both paths refuse an expired token by the same rule on the same ``clock`` (seconds since
    the epoch). Access tokens are not revocable one by one (what a deleted account still holds is refused
    by the resident checks, service/identity/service.py), and the keys are fixed for the life of the
    process, so a remembered verdict is the one a full verification would give until ``exp``.
    """

    def __init__(
        self, settings: AuthSettings, *, clock: Callable[[], float] = time.time, remember: int = VERIFIED_MAX
    ) -> None:
        if not settings.jwt_keys or settings.active_kid is None:
            raise ValueError("no JWT signing key configured")
        self.settings = settings
        self._keys = {kid: key.get_secret_value().encode() for kid, key in settings.jwt_keys.items()}
        self._clock = clock
        self._remember = remember
        self._verified: dict[str, tuple[Principal, int]] = {}  # token -> (principal, valid until)

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
        known = self._verified.pop(token, None)
        if known is not None and self._clock() < known[1]:
            self._verified[token] = known  # re-inserted last: the most recently used
            return known[0]
        principal, valid_until = self._verify(token)
        while self._verified and len(self._verified) >= self._remember:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = (principal, valid_until)
        return principal

    def _verify(self, token: str) -> tuple[Principal, int]:
        """Full verification: the principal, and until when (``exp`` plus the leeway) it may be used."""
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
                # Expiry is checked below on our clock, the one remembered tokens are checked on.
                options={"require": ["exp", "iat", "sub", "iss"], "verify_exp": False},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized("the access token is not valid", code="invalid_token") from exc
        exp = claims["exp"]
        if not isinstance(exp, int) or isinstance(exp, bool):  # we issue integers (RFC 7519 NumericDate)
            raise Unauthorized("the access token's expiry is not valid", code="invalid_token")
        valid_until = exp + LEEWAY_SECONDS
        if self._clock() >= valid_until:
            raise Unauthorized("the access token has expired", code="token_expired")
        subject = str(claims["sub"])
        # Every principal is a row id (resident, merchant, city user): anything else was not issued here.
        if not (subject.isascii() and subject.isdigit() and 0 < int(subject) < 2**63):
            raise Unauthorized("the access token's subject is not valid", code="invalid_token")
        try:
            return Principal(subject=subject, role=Role(claims.get("role"))), valid_until
        except ValueError as exc:
            raise Unauthorized("the access token names no known role", code="invalid_token") from exc


def new_refresh_token() -> str:
    return "rt_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
