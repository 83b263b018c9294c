"""Settings: embedded default with nothing set, production with URLs, nested groups, hidden secrets."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from service.jobs.queue import ArqQueue, InProcessQueue
from service.keys.generate import fresh_keys
from service.services import start_services, stop_services
from service.settings import KEYS_FILE, AuthSettings, Settings, load_settings
from tests.conftest import TEST_ATTESTATION_KEYS


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    return monkeypatch


def test_nothing_set_is_the_embedded_default(tmp_path: Path, env: pytest.MonkeyPatch) -> None:
    env.chdir(tmp_path)
    settings = load_settings()
    assert settings.embedded
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'tanbi.db'}"
    assert settings.redis_url is None
    assert settings.dev_login_enabled


def test_generated_keys_are_persisted_and_reused(tmp_path: Path) -> None:
    first = load_settings(data_dir=tmp_path)
    second = load_settings(data_dir=tmp_path)
    keys_file = tmp_path / KEYS_FILE
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    stored = json.loads(keys_file.read_text())
    assert first.auth.active_kid == second.auth.active_kid == stored["kid"]
    kid = stored["kid"]
    assert first.auth.jwt_keys[kid].get_secret_value() == second.auth.jwt_keys[kid].get_secret_value()
    assert first.auth.hash_key is not None
    assert second.auth.hash_key is not None
    assert first.auth.hash_key.get_secret_value() == stored["hash_key"]


def test_production_urls_switch_off_the_embedded_default(tmp_path: Path, env: pytest.MonkeyPatch) -> None:
    env.setenv("TANBI_DATABASE_URL", "postgresql+asyncpg://tanbi@db:5432/tanbi")
    env.setenv("TANBI_REDIS_URL", "redis://cache:6379/0")
    env.setenv("TANBI_DATA_DIR", str(tmp_path))
    for name, value in fresh_keys(dt.date.today()).items():
        env.setenv(name, value)
    settings = load_settings()
    assert not settings.embedded
    assert settings.resolved_database_url == "postgresql+asyncpg://tanbi@db:5432/tanbi"
    assert settings.redis_url == "redis://cache:6379/0"
    assert not settings.dev_login_enabled


def test_nested_groups_and_secret_keys_from_the_environment(tmp_path: Path, env: pytest.MonkeyPatch) -> None:
    env.setenv("TANBI_DATA_DIR", str(tmp_path))
    env.setenv("TANBI_AUTH__ACCESS_TTL_SECONDS", "600")
    env.setenv("TANBI_AUTH__JWT_KEYS", '{"2026a": "old-secret-value", "2026b": "new-secret-value"}')
    env.setenv("TANBI_AUTH__ACTIVE_KID", "2026b")
    env.setenv("TANBI_AUTH__HASH_KEY", "hash-secret-value")
    env.setenv("TANBI_AUTH__SECRETS_KEY", "secrets-key-value")
    env.setenv("TANBI_LEDGER__EXPIRY_YEARS_AFTER", "2")
    env.setenv(
        "TANBI_ATTESTATIONS__KEYS",
        json.dumps({k: v.get_secret_value() for k, v in TEST_ATTESTATION_KEYS.items()}),
    )
    settings = load_settings()
    assert settings.auth.access_ttl_seconds == 600
    assert settings.auth.active_kid == "2026b"
    assert settings.ledger.expiry_years_after == 2
    assert isinstance(settings.auth.jwt_keys["2026a"], SecretStr)
    assert "new-secret-value" not in repr(settings)
    assert "secrets-key-value" not in repr(settings)
    assert "hash-secret-value" not in repr(settings)
    assert not (tmp_path / KEYS_FILE).exists(), "configured keys must not be replaced by generated ones"


def test_active_kid_must_name_a_configured_key(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="names no key"):
        load_settings(
            data_dir=tmp_path,
            auth=AuthSettings(jwt_keys={"a": SecretStr("x" * 32)}, active_kid="b", hash_key=SecretStr("h")),
        )


def test_bad_values_are_refused(env: pytest.MonkeyPatch) -> None:
    env.setenv("TANBI_AUTH__ACCESS_TTL_SECONDS", "5")
    with pytest.raises(ValueError, match="access_ttl_seconds"):
        Settings()
    env.delenv("TANBI_AUTH__ACCESS_TTL_SECONDS")
    with pytest.raises(ValueError, match="unknown time zone"):
        Settings(timezone="Mars/Olympus")


def test_nothing_is_read_at_import_time(tmp_path: Path) -> None:
    # A fresh interpreter imports everything first and only then sets the variable: a module that read
    # settings at import time would have captured the earlier (unset) value.
    script = (
        "import os, service.app, service.cli, service.jobs.worker\n"
        "from service.settings import load_settings\n"
        "os.environ['TANBI_DATABASE_URL'] = 'postgresql+asyncpg://late@db/late'\n"
        f"print(load_settings(data_dir={str(tmp_path)!r}).database_url)\n"
    )
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("TANBI_")}
    clean_env |= fresh_keys(dt.date.today())  # a database URL needs them; set early, they are not the point
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=clean_env, check=True
    )
    assert out.stdout.strip() == "postgresql+asyncpg://late@db/late"


async def test_jobs_run_in_process_without_redis_and_on_arq_with_it(
    tmp_path: Path, test_redis_url: str
) -> None:
    embedded = load_settings(data_dir=tmp_path)
    services = await start_services(embedded, periodic=False)
    try:
        assert isinstance(services.queue, InProcessQueue)
    finally:
        await stop_services(services)
    production = load_settings(data_dir=tmp_path, redis_url=test_redis_url)
    services = await start_services(production, periodic=False)
    try:
        assert isinstance(services.queue, ArqQueue)
        assert await services.redis.ping()
    finally:
        await stop_services(services)


def test_an_older_keys_file_gains_the_missing_keys_and_keeps_the_rest(tmp_path: Path) -> None:
    (tmp_path / KEYS_FILE).write_text(
        json.dumps({"kid": "k1", "jwt_secret": "old-jwt", "hash_key": "old-hash"})
    )
    settings = load_settings(data_dir=tmp_path)
    stored = json.loads((tmp_path / KEYS_FILE).read_text())
    assert settings.auth.hash_key is not None
    assert settings.auth.hash_key.get_secret_value() == "old-hash"
    assert settings.auth.secrets_key is not None
    assert settings.auth.secrets_key.get_secret_value() == stored["secrets_key"]
