"""The city's attestation signing keys: Ed25519 private keys by kid, and their public halves as a JWKS.

Every configured key is published, so a bank holding a token signed before a rotation still verifies it;
only ``active_kid`` (default: the last kid in sorted order) signs new tokens. Keys are parsed on first use
and kept per settings object (a PEM parse per request would be wasted work).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from jwt.algorithms import OKPAlgorithm

from service.errors import Unavailable
from service.settings import AttestationSettings

ALGORITHM = "EdDSA"


@dataclass(frozen=True)
class SigningKeys:
    private: dict[str, Ed25519PrivateKey]
    active_kid: str | None

    def signer(self) -> tuple[str, Ed25519PrivateKey]:
        """The kid and key that sign new attestations; 503 ``attestations_not_configured`` without one."""
        if self.active_kid is None:
            raise Unavailable("no attestation signing key is configured", code="attestations_not_configured")
        return self.active_kid, self.private[self.active_kid]

    def jwks(self) -> dict[str, Any]:
        """The public keys as a JSON Web Key Set (RFC 7517), one JWK per kid (RFC 8037 OKP, Ed25519)."""
        keys = []
        for kid in sorted(self.private):
            jwk = json.loads(OKPAlgorithm.to_jwk(self.private[kid].public_key()))
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": ALGORITHM})
        return {"keys": keys}


def signing_keys(settings: AttestationSettings) -> SigningKeys:
    items = tuple(sorted((kid, secret.get_secret_value()) for kid, secret in settings.keys.items()))
    return _parsed(items, settings.active_kid)


@cache
def _parsed(items: tuple[tuple[str, str], ...], active_kid: str | None) -> SigningKeys:
    private: dict[str, Ed25519PrivateKey] = {}
    for kid, pem in items:
        key = load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"attestation key {kid!r} is not an Ed25519 private key")
        private[kid] = key
    if active_kid is not None and active_kid not in private:
        raise ValueError(f"TANBI_ATTESTATIONS__ACTIVE_KID={active_kid!r} names no key")
    chosen = active_kid or (items[-1][0] if items else None)
    return SigningKeys(private, chosen)
