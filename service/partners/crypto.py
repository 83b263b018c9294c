"""Standard Webhooks signatures, and partner secrets encrypted at rest (AES-256-GCM)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SECRET_PREFIX = "whsec_"  # noqa: S105 - the scheme's prefix, not a secret


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, webhook_id: str, timestamp: str, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` over ``{id}.{timestamp}.{body}`` with the secret's decoded bytes."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    content = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def signature_matches(secrets_: list[str], webhook_id: str, timestamp: str, body: bytes, header: str) -> bool:
    """True when a ``v1,`` entry of ``header`` is the signature under one of ``secrets_`` (constant time)."""
    offered = [part.split(",", 1)[1] for part in header.split() if part.startswith("v1,")]
    for secret in secrets_:
        expected = sign(secret, webhook_id, timestamp, body).split(",", 1)[1]
        if any(hmac.compare_digest(expected.encode(), candidate.encode()) for candidate in offered):
            return True
    return False


class SecretBox:
    """Encrypts partner secrets with a key derived from the settings' ``secrets_key``."""

    def __init__(self, key_material: str) -> None:
        self._aead = AESGCM(hashlib.sha256(key_material.encode()).digest())

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        return base64.b64encode(
            nonce + self._aead.encrypt(nonce, plaintext.encode(), b"partner-secret")
        ).decode()

    def open(self, sealed: str) -> str:
        raw = base64.b64decode(sealed)
        return self._aead.decrypt(raw[:12], raw[12:], b"partner-secret").decode()
