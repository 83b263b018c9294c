"""`tanbi keys` and the refusal without keys, as an operator meets them: real processes, a .env file
written by `tanbi keys generate`, PostgreSQL and the embedded default."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from dotenv import dotenv_values

from service.partners.crypto import SecretBox, sign
from tests.e2e.test_cli import environment, output, run, serving
from tests.fixtures.databases import asyncpg_dsn

KEY_VARIABLES = (
    "TANBI_AUTH__JWT_KEYS",
    "TANBI_AUTH__HASH_KEY",
    "TANBI_AUTH__SECRETS_KEY",
    "TANBI_ATTESTATIONS__KEYS",
)


def without_keys(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if not k.startswith(("TANBI_AUTH__", "TANBI_ATTESTATIONS__"))}


def test_production_commands_refuse_to_start_without_keys_and_name_them(
    tmp_path: Path, pg_database_url: str
) -> None:
    env = without_keys(environment(tmp_path, pg_database_url))
    assert run(env, "migrate").returncode == 0  # the schema needs no keys
    for command in (["serve"], ["worker"], ["partner", "add", "Bus", "--methodologies", "bus_trip"]):
        refused = run(env, *command)
        assert refused.returncode == 1, (command, refused.stdout, refused.stderr)
        assert all(name in refused.stderr for name in KEY_VARIABLES), refused.stderr
        assert "Traceback" not in refused.stderr
    partial = run(env | {"TANBI_AUTH__HASH_KEY": "h" * 64}, "serve")
    assert partial.returncode == 1
    assert "TANBI_AUTH__HASH_KEY" not in partial.stderr
    assert not (tmp_path / "keys.json").exists()
    assert run(env, "keys", "generate").returncode == 0


def test_keys_help_says_the_hash_key_cannot_be_rotated(tmp_path: Path) -> None:
    shown = run(environment(tmp_path), "keys", "--help")
    assert shown.returncode == 0
    assert "cannot be rotated" in " ".join(shown.stdout.split())


def _signed_get(base: str, partner_id: int, secret: str) -> int:
    path, stamp, webhook_id = (
        f"/v1/partners/{partner_id}/events?limit=1",
        str(int(time.time())),
        "msg_k1",
    )
    headers = {"webhook-id": webhook_id, "webhook-timestamp": stamp}
    headers["webhook-signature"] = sign(secret, webhook_id, stamp, b"")
    return httpx.get(base + path, headers=headers).status_code


def _sealed_secrets(url: str) -> list[str]:
    done = subprocess.run(
        ["psql", asyncpg_dsn(sa.make_url(url)), "-At", "-c", "SELECT encrypted FROM partner_secrets"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split()


def test_a_generated_dotenv_runs_production_and_the_secrets_key_rotates(
    tmp_path: Path, pg_database_url: str
) -> None:
    env_file = tmp_path / ".env"
    generated = run(environment(tmp_path), "keys", "generate")
    env_file.write_text(generated.stdout)
    keys = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    assert set(keys) == {*KEY_VARIABLES, "TANBI_AUTH__ACTIVE_KID"}
    env = without_keys(environment(tmp_path, pg_database_url)) | keys
    assert run(env, "migrate").returncode == 0
    added = run(env, "partner", "add", "Gongqing Bus", "--methodologies", "bus_trip", "--json")
    assert added.returncode == 0, added.stderr
    partner = json.loads(added.stdout)

    rotated = run(env, "keys", "rotate-secrets")
    assert rotated.returncode == 0, rotated.stderr
    assert "re-encrypted 1 partner_secrets.encrypted" in rotated.stderr
    env_file.write_text(env_file.read_text() + rotated.stdout)  # appended: the later line wins
    new_env = env | {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    new_key, old_key = new_env["TANBI_AUTH__SECRETS_KEY"], keys["TANBI_AUTH__SECRETS_KEY"]
    assert new_key != old_key
    [sealed] = _sealed_secrets(pg_database_url)
    assert SecretBox(new_key).open(sealed) == partner["secret"]
    with pytest.raises(InvalidTag):
        SecretBox(old_key).open(sealed)

    public = "https://tanbi.example.cn"
    with serving(new_env | {"TANBI_PUBLIC_URL": public}, demo=False) as (base, process):
        assert _signed_get(base, partner["id"], partner["secret"]) == 200
    assert f"{public}/dashboard" in output(process)  # what `tanbi serve` prints follows TANBI_PUBLIC_URL

    again = run(new_env, "keys", "rotate-secrets", "--new-key", new_key)
    assert again.returncode == 1  # the current key already
    interrupted = run(env, "keys", "rotate-secrets", "--new-key", new_key)  # the old .env, run again
    assert interrupted.returncode == 0, interrupted.stderr
    assert "(1 already under the new key)" in interrupted.stderr
    assert _sealed_secrets(pg_database_url) == [sealed]


def test_rotate_jwt_prints_the_old_kids_and_a_new_active_one(tmp_path: Path, pg_database_url: str) -> None:
    env = environment(tmp_path, pg_database_url)
    old = json.loads(env["TANBI_AUTH__JWT_KEYS"])
    rotated = run(env, "keys", "rotate-jwt")
    assert rotated.returncode == 0, rotated.stderr
    (tmp_path / ".env").write_text(rotated.stdout)
    printed = dotenv_values(tmp_path / ".env")
    keys = json.loads(printed["TANBI_AUTH__JWT_KEYS"] or "{}")
    kid = printed["TANBI_AUTH__ACTIVE_KID"]
    assert kid not in old
    assert {k: keys[k] for k in old} == old
    assert set(keys) == {*old, kid}
    dropped = run(
        env | {"TANBI_AUTH__JWT_KEYS": json.dumps(keys), "TANBI_AUTH__ACTIVE_KID": kid},
        "keys",
        "drop-jwt",
        *old,
    )
    assert dropped.returncode == 0, dropped.stderr
    assert json.loads(dotenv_values(stream=io.StringIO(dropped.stdout))["TANBI_AUTH__JWT_KEYS"] or "{}") == {
        kid: keys[kid]
    }


def test_the_embedded_default_rotates_its_secrets_key_in_keys_json(tmp_path: Path) -> None:
    env = environment(tmp_path)
    assert run(env, "migrate").returncode == 0
    added = run(env, "partner", "add", "Gongqing Bus", "--methodologies", "bus_trip", "--json")
    assert added.returncode == 0, added.stderr
    old_key = json.loads((tmp_path / "keys.json").read_text())["secrets_key"]
    rotated = run(env, "keys", "rotate-secrets")
    assert rotated.returncode == 0, rotated.stderr
    stored = json.loads((tmp_path / "keys.json").read_text())["secrets_key"]
    assert rotated.stdout == f"TANBI_AUTH__SECRETS_KEY='{stored}'\n"
    assert stored != old_key
    with sqlite3.connect(tmp_path / "tanbi.db") as connection:
        [(sealed,)] = connection.execute("SELECT encrypted FROM partner_secrets").fetchall()
    assert SecretBox(stored).open(sealed) == json.loads(added.stdout)["secret"]
