"""docs/operations.md's backup and restore, done: a populated PostgreSQL database (the demo city served on
it) dumped with `pg_dump -Fc`, restored with `pg_restore` into a fresh database, and the books checked on
both: `tanbi ledger verify`, `rollup verify`, `registry verify` and `action replay` agree."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.e2e.test_cli import environment, run, serving
from tests.fixtures.databases import asyncpg_dsn, create_pg_database, drop_pg_database

COUNTED = ("actions", "transfers", "lots", "partner_events", "residents", "rollup_counters", "credit_batches")


@pytest.fixture
async def databases():  # type: ignore[no-untyped-def]
    source, target = await create_pg_database("tanbi_backup"), await create_pg_database("tanbi_restore")
    yield source, target
    await drop_pg_database(source)
    await drop_pg_database(target)


def _libpq(url: str) -> str:
    return asyncpg_dsn(sa.make_url(url))


def _checks(env: dict[str, str]) -> dict[str, object]:
    """What the four checks say about a database (each exits 0 when its books hold)."""
    since = (dt.date.today() - dt.timedelta(days=400)).isoformat()
    out: dict[str, object] = {}
    for name, args in (
        ("ledger", ("ledger", "verify", "--json")),
        ("rollups", ("rollup", "verify", "--json")),
        ("registry", ("registry", "verify", "--json")),
        ("replay", ("action", "replay", "--since", since, "--json")),
    ):
        done = run(env, *args)
        assert done.returncode == 0, f"{name}: {done.stdout}\n{done.stderr}"
        out[name] = json.loads(done.stdout)
    return out


def _counts(url: str) -> dict[str, int]:
    query = "; ".join(f"SELECT '{t}', count(*) FROM {t}" for t in COUNTED)
    done = subprocess.run(
        ["psql", _libpq(url), "-At", "-F", "=", "-c", query], capture_output=True, text=True, check=True
    )
    return {line.split("=")[0]: int(line.split("=")[1]) for line in done.stdout.split()}


def test_a_dump_restored_into_a_fresh_database_keeps_the_books(databases, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source, target = databases
    source_env = environment(tmp_path / "source", source)
    assert run(source_env, "migrate").returncode == 0
    with serving(source_env, residents=60, ready_within=240) as (base, _process):
        assert httpx.get(f"{base}/readyz").status_code == 200
    before = _checks(source_env)
    assert before["ledger"]["transfers"] > 0  # type: ignore[index]
    assert before["replay"]["checked"] > 0  # type: ignore[index]

    dump = tmp_path / "tanbi.dump"
    subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(dump), _libpq(source)], check=True)
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "-d", _libpq(target), str(dump)], check=True
    )

    # The keys are backed up with the data (docs/operations.md): the restored service runs with the same.
    target_env = environment(tmp_path / "target", target) | {
        k: v for k, v in source_env.items() if k.startswith(("TANBI_AUTH__", "TANBI_ATTESTATIONS__"))
    }
    if (tmp_path / "source" / "keys.json").exists():
        (tmp_path / "target").mkdir(exist_ok=True)
        shutil.copy(tmp_path / "source" / "keys.json", tmp_path / "target" / "keys.json")
    assert run(target_env, "migrate").returncode == 0  # at head already: nothing to do, nothing broken
    after = _checks(target_env)
    assert after == before
    assert _counts(target) == _counts(source)
    assert _counts(target)["actions"] > 0
