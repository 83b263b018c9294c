"""The ``tanbi`` command end to end, as an operator runs it: real processes, real databases."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import sqlalchemy as sa

from service.keys.generate import fresh_keys
from service.methodology.registry import load_registry
from tests.fixtures.databases import asyncpg_dsn

TANBI = str(Path(sys.executable).parent / "tanbi")


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TANBI, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def environment(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANBI_")}
    env["TANBI_DATA_DIR"] = str(data_dir)
    if database_url:
        # Production refuses to start without keys; one set for every process of the test run.
        env["TANBI_DATABASE_URL"] = database_url
        env |= keys_of_the_run()
    return env


@functools.cache
def keys_of_the_run() -> dict[str, str]:
    return fresh_keys(dt.date.today())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(
    env: dict[str, str], residents: int = 40, ready_within: float = 30, *, demo: bool = True
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    # A file, not a pipe: nobody reads the server while it runs, and a full pipe would block its logging.
    log = Path(env["TANBI_DATA_DIR"]) / f"serve-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)  # production writes nothing there before serving
    with log.open("w") as sink:  # the child holds its own copy
        process = subprocess.Popen(
            [TANBI, "serve", *(["--demo"] if demo else []), "--port", str(port)],
            env=env | {"TANBI_DEMO_RESIDENTS": str(residents)},
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
    process.tanbi_log = log  # type: ignore[attr-defined]  # where output() finds what the server said
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def output(process: subprocess.Popen[str]) -> str:
    """What a server started by ``serving`` wrote, once it has stopped."""
    return Path(process.tanbi_log).read_text()  # type: ignore[attr-defined]


def test_every_command_has_help(tmp_path: Path) -> None:
    env = environment(tmp_path)
    for args in (
        ["--help"],
        ["serve", "--help"],
        ["worker", "--help"],
        ["migrate", "--help"],
        ["ledger", "verify", "--help"],
        ["registry", "verify", "--help"],
        ["action", "explain", "--help"],
        ["action", "replay", "--help"],
        ["merchant", "add", "--help"],
        ["city-user", "add", "--help"],
    ):
        result = run(env, *args)
        assert result.returncode == 0, (args, result.stderr)
        assert "Usage:" in result.stdout


def test_fresh_embedded_serve_answers_and_the_books_verify_until_corrupted(tmp_path: Path) -> None:
    env = environment(tmp_path)
    with serving(env) as (base, process):
        assert httpx.get(f"{base}/readyz").json()["checks"] == {"database": "ok"}
        assert httpx.get(f"{base}/schema/openapi.json").status_code == 200
        login = httpx.post(f"{base}/v1/auth/dev", json={"phone": "13800000001"})
        assert login.status_code == 200
    said = output(process)
    assert f"{base}/schema/swagger" in said
    assert "demo partner for bus_trip: id" in said
    demo_partners = json.loads((tmp_path / "demo-partners.json").read_text())
    assert set(demo_partners) == set(load_registry().ids())  # a partner for every methodology
    verified = run(env, "ledger", "verify", "--json")
    assert verified.returncode == 0, verified.stdout
    report = json.loads(verified.stdout)
    assert report["ok"]
    assert report["transfers"] >= 5
    with sqlite3.connect(tmp_path / "tanbi.db") as connection:
        connection.execute("UPDATE accounts SET balance = balance + 1 WHERE code = 'wallet:1'")
    broken = run(env, "ledger", "verify")
    assert broken.returncode == 1
    assert "wallet:1" in broken.stdout
    assert "MISMATCH" in broken.stdout


def test_verify_catches_a_hand_corrupted_balance_on_postgresql(tmp_path: Path, pg_database_url: str) -> None:
    env = environment(tmp_path, pg_database_url)
    assert run(env, "migrate").returncode == 0
    with serving(env) as (base, _process):
        assert httpx.get(f"{base}/readyz").status_code == 200
    assert run(env, "ledger", "verify").returncode == 0
    dsn = asyncpg_dsn(sa.make_url(pg_database_url))
    psql = [
        "psql",
        dsn,
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        "UPDATE accounts SET balance = balance + 7 WHERE code = 'wallet:2'",
    ]
    subprocess.run(psql, check=True, capture_output=True)
    broken = run(env, "ledger", "verify", "--json")
    assert broken.returncode == 1
    report = json.loads(broken.stdout)
    failed = {c["name"]: c for c in report["checks"] if not c["ok"]}
    assert set(failed) == {"balances_sum_to_zero", "balances_match_transfers", "lots_match_wallets"}
    assert any("wallet:2" in m for m in failed["balances_match_transfers"]["mismatches"])
