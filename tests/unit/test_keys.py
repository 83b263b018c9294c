"""Keys: production refuses to start without them, `tanbi keys generate` makes a set load_settings reads
back from a .env file, and the JWT kid arithmetic of rotation."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jwt
import pytest
from pydantic import SecretStr

from service.attestations.keys import signing_keys
from service.db.base import utcnow
from service.errors import Invalid
from service.identity.principal import Principal, Role
from service.identity.tokens import TokenService
from service.keys.generate import dated_kid, env_lines, fresh_keys
from service.keys.rotation import add_jwt_kid, drop_jwt_kid
from service.partners.crypto import SecretBox
from service.settings import KEYS_FILE, AuthSettings, MissingKeys, load_settings

PRODUCTION = "postgresql+asyncpg://tanbi@db:5432/tanbi"
TODAY = dt.date(2026, 11, 30)
ALL_FOUR = [
    "TANBI_AUTH__JWT_KEYS",
    "TANBI_AUTH__HASH_KEY",
    "TANBI_AUTH__SECRETS_KEY",
    "TANBI_ATTESTATIONS__KEYS",
]


def test_production_without_keys_is_refused_naming_every_missing_variable(tmp_path: Path) -> None:
    with pytest.raises(MissingKeys) as refused:
        load_settings(data_dir=tmp_path, database_url=PRODUCTION)
    assert refused.value.variables == ALL_FOUR
    assert all(name in str(refused.value) for name in ALL_FOUR)
    assert not (tmp_path / KEYS_FILE).exists(), "production must never generate keys of its own"


def test_production_with_some_keys_names_only_the_rest(tmp_path: Path) -> None:
    auth = AuthSettings(jwt_keys={"a": SecretStr("x" * 40)}, hash_key=SecretStr("h" * 40))
    with pytest.raises(MissingKeys) as refused:
        load_settings(data_dir=tmp_path, database_url=PRODUCTION, auth=auth)
    assert refused.value.variables == ["TANBI_AUTH__SECRETS_KEY", "TANBI_ATTESTATIONS__KEYS"]
    assert "TANBI_AUTH__HASH_KEY" not in str(refused.value)


def test_the_embedded_default_still_generates_its_keys(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert settings.embedded
    assert (tmp_path / KEYS_FILE).exists()
    assert settings.auth.hash_key is not None


def test_a_generated_set_read_back_from_a_dotenv_file_works(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("POSTGRES_PASSWORD=change-me\n" + env_lines(fresh_keys(TODAY)))
    # The .env file is read as docker compose and python-dotenv read it (single quotes: literal).
    settings = load_settings(_env_file=env_file, data_dir=tmp_path, database_url=PRODUCTION)
    assert settings.auth.active_kid == "jwt-2026-11-30"
    assert set(settings.auth.jwt_keys) == {"jwt-2026-11-30"}
    assert not (tmp_path / KEYS_FILE).exists()

    tokens = TokenService(settings.auth)
    token = tokens.issue_access(Principal("7", Role.RESIDENT), utcnow())
    assert jwt.get_unverified_header(token)["kid"] == "jwt-2026-11-30"
    assert tokens.verify_access(token).subject == "7"
    assert settings.auth.secrets_key is not None
    box = SecretBox(settings.auth.secrets_key.get_secret_value())
    assert box.open(box.seal("whsec_x")) == "whsec_x"
    attestation = signing_keys(settings.attestations)
    assert attestation.active_kid == "att-2026-11-30"
    assert json.dumps(attestation.jwks())  # the public half is publishable


def test_every_generated_key_is_new() -> None:
    first, second = fresh_keys(TODAY), fresh_keys(TODAY)
    for name in ALL_FOUR:
        assert first[name] != second[name]
    assert len(json.loads(first["TANBI_AUTH__JWT_KEYS"])["jwt-2026-11-30"]) >= 64


def test_rotating_jwt_keeps_the_old_kids_and_adds_a_dated_one() -> None:
    keys = {"k1": "old-one", "jwt-2026-11-30": "old-two"}
    rotated, kid = add_jwt_kid(keys, TODAY)
    assert kid == "jwt-2026-11-30-2"  # the day's kid is taken
    assert rotated.keys() == {"k1", "jwt-2026-11-30", kid}
    assert rotated["k1"] == "old-one"
    assert len(rotated[kid]) >= 64
    assert dated_kid("jwt", TODAY, rotated) == "jwt-2026-11-30-3"


def test_dropping_a_kid_keeps_the_rest_and_never_drops_the_signing_one() -> None:
    keys = {"k1": "a", "jwt-2026-11-30": "b"}
    assert drop_jwt_kid(keys, "k1", "jwt-2026-11-30") == {"jwt-2026-11-30": "b"}
    with pytest.raises(Invalid, match="signs new tokens"):
        drop_jwt_kid(keys, "jwt-2026-11-30", "jwt-2026-11-30")
    with pytest.raises(Invalid, match="signs new tokens"):
        drop_jwt_kid(keys, "k1", None)  # no active kid set: the last in sorted order signs
    with pytest.raises(Invalid, match="no JWT kid"):
        drop_jwt_kid(keys, "nope", "k1")


def test_env_example_refuses_until_keys_are_appended_then_runs(tmp_path: Path) -> None:
    """The README's bootstrap: .env.example copied, then `tanbi keys generate >> .env`."""
    env_file = tmp_path / ".env"
    env_file.write_text((Path(__file__).resolve().parents[2] / ".env.example").read_text())
    with pytest.raises(MissingKeys) as refused:
        load_settings(_env_file=env_file, data_dir=tmp_path, database_url=PRODUCTION)
    assert refused.value.variables == ALL_FOUR
    env_file.write_text(env_file.read_text() + env_lines(fresh_keys(TODAY)))
    settings = load_settings(_env_file=env_file, data_dir=tmp_path, database_url=PRODUCTION)
    assert settings.auth.active_kid == "jwt-2026-11-30"
    assert settings.city.registry_code == "GQC"
    assert settings.subscribe.templates == {}
    assert not settings.wechat.app_id  # empty until the operator fills it: WeChat sign-in answers 503
