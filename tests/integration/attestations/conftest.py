"""Attestation fixtures: settings with an Ed25519 signing key, and a resident with credited trips."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import SecretStr

from service.db.engine import Database
from service.methodology.registry import Registry, load_registry
from service.settings import AttestationSettings, Settings
from tests.conftest import make_settings


def pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture(scope="session")
def city_keys() -> dict[str, Ed25519PrivateKey]:
    """The city's keys: a1 retired (still published), a2 signing."""
    return {"a1": Ed25519PrivateKey.generate(), "a2": Ed25519PrivateKey.generate()}


@pytest.fixture
def settings(tmp_path: Path, database: Database, city_keys) -> Settings:  # type: ignore[no-untyped-def]
    url = database.engine.url.render_as_string(hide_password=False)
    keys = {kid: SecretStr(pem(key)) for kid, key in city_keys.items()}
    return make_settings(
        tmp_path, None if database.dialect == "sqlite" else url, attestations=AttestationSettings(keys=keys)
    )


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()
