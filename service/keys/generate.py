"""A fresh, full set of keys as the environment variables ``load_settings`` reads."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Collection


def random_key() -> str:
    """64 URL-safe characters (48 random bytes): a JWT, hash or secrets key."""
    return secrets.token_urlsafe(48)


def ed25519_pem() -> str:
    """A new Ed25519 private key as PKCS#8 PEM (what TANBI_ATTESTATIONS__KEYS holds per kid)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )


def dated_kid(prefix: str, today: dt.date, taken: Collection[str] = ()) -> str:
    """``{prefix}-YYYY-MM-DD``, with ``-2``, ``-3``... when that kid is already in ``taken``."""
    kid, n = f"{prefix}-{today.isoformat()}", 1
    while kid in taken:
        n += 1
        kid = f"{prefix}-{today.isoformat()}-{n}"
    return kid


def fresh_keys(today: dt.date) -> dict[str, str]:
    """Every key variable with a new value, in the order an operator reads them."""
    jwt_kid = dated_kid("jwt", today)
    return {
        "TANBI_AUTH__JWT_KEYS": json.dumps({jwt_kid: random_key()}),
        "TANBI_AUTH__ACTIVE_KID": jwt_kid,
        "TANBI_AUTH__HASH_KEY": random_key(),
        "TANBI_AUTH__SECRETS_KEY": random_key(),
        # json.dumps writes the PEM's newlines as \n: one line, which .env files need.
        "TANBI_ATTESTATIONS__KEYS": json.dumps({dated_kid("att", today): ed25519_pem()}),
    }


def env_lines(values: dict[str, str]) -> str:
    """``NAME='value'`` lines: single quotes keep a value literal for docker compose and python-dotenv
    alike (the JSON's double quotes and the PEM's \\n stay as they are, for JSON to read)."""
    lines = []
    for name, value in values.items():
        if "'" in value or "\n" in value:
            raise ValueError(f"{name} cannot be written as one single-quoted .env line")
        lines.append(f"{name}='{value}'\n")
    return "".join(lines)
