"""Verified access tokens are remembered until they expire, and only the exact token string is."""

from __future__ import annotations

import base64
import datetime as dt
import json

import jwt
import pytest
from pydantic import SecretStr

from service.errors import Unauthorized
from service.identity.principal import Principal, Role
from service.identity.tokens import LEEWAY_SECONDS, TokenService
from service.settings import AuthSettings

KEY = "unit-signing-key-" + "k" * 32
# A minute ago: PyJWT checks that "iat" is not in the future on the real clock.
ISSUED = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=1)
TTL = 900
EXP = int(ISSUED.timestamp()) + TTL
RESIDENT = Principal("7", Role.RESIDENT)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def service(clock: Clock, remember: int = 4096) -> TokenService:
    settings = AuthSettings(jwt_keys={"u1": SecretStr(KEY)}, active_kid="u1", access_ttl_seconds=TTL)
    return TokenService(settings, clock=clock, remember=remember)


def refused(tokens: TokenService, token: str) -> str:
    with pytest.raises(Unauthorized) as caught:
        tokens.verify_access(token)
    return caught.value.code


def test_a_remembered_token_is_refused_once_it_expires() -> None:
    clock = Clock(ISSUED.timestamp())
    tokens = service(clock)
    token = tokens.issue_access(RESIDENT, ISSUED)
    assert tokens.verify_access(token) == RESIDENT
    clock.now = EXP + LEEWAY_SECONDS - 1
    assert tokens.verify_access(token) == RESIDENT  # remembered, still inside the leeway
    clock.now = EXP + LEEWAY_SECONDS
    assert refused(tokens, token) == "token_expired"
    assert refused(tokens, token) == "token_expired"  # not remembered again


def test_a_token_expired_before_its_first_use_is_refused() -> None:
    clock = Clock(EXP + LEEWAY_SECONDS)
    tokens = service(clock)
    assert refused(tokens, tokens.issue_access(RESIDENT, ISSUED)) == "token_expired"


def _with_payload(token: str, **claims: object) -> str:
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    changed = base64.urlsafe_b64encode(json.dumps(decoded | claims).encode()).rstrip(b"=").decode()
    return f"{header}.{changed}.{signature}"


def test_a_remembered_token_vouches_for_no_other_string() -> None:
    clock = Clock(ISSUED.timestamp())
    tokens = service(clock)
    token = tokens.issue_access(RESIDENT, ISSUED)
    assert tokens.verify_access(token) == RESIDENT
    # The same signature over other claims, and the same claims under another signature: both verified
    # in full, and refused.
    assert refused(tokens, _with_payload(token, role="city")) == "invalid_token"
    assert refused(tokens, _with_payload(token, exp=EXP + 10_000)) == "invalid_token"
    header, payload, signature = token.split(".")
    assert refused(tokens, f"{header}.{payload}.{signature[::-1]}") == "invalid_token"
    other_key = jwt.encode(
        jwt.decode(token, options={"verify_signature": False}),
        "another-key-" + "x" * 32,
        algorithm="HS256",
        headers={"kid": "u1"},
    )
    assert refused(tokens, other_key) == "invalid_token"


def test_a_non_integer_expiry_is_refused() -> None:
    clock = Clock(ISSUED.timestamp())
    tokens = service(clock)
    claims = {
        "iss": "tanbi",
        "sub": "7",
        "role": "resident",
        "iat": int(ISSUED.timestamp()),
        "exp": "99999999999",
    }
    token = jwt.encode(claims, KEY, algorithm="HS256", headers={"kid": "u1"})
    assert refused(tokens, token) == "invalid_token"


def test_remembered_tokens_are_bounded_least_recently_used_first() -> None:
    clock = Clock(ISSUED.timestamp())
    tokens = service(clock, remember=2)
    first, second, third = (tokens.issue_access(Principal(str(n), Role.RESIDENT), ISSUED) for n in (1, 2, 3))
    for token in (first, second, first, third):  # second is now the least recently used: forgotten
        tokens.verify_access(token)
    assert list(tokens._verified) == [first, third]
    assert tokens.verify_access(second) == Principal("2", Role.RESIDENT)
    assert list(tokens._verified) == [third, second]
