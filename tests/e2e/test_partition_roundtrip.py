"""Migration 0022 both ways on a populated city: the demo served on PostgreSQL (every row of it with a month
in its id) is taken down to 0021, where its tables are plain again, and back up, where its rows return to
their months' partitions. The books are checked at both ends with the commands an operator runs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from tests.e2e.test_backup import _checks, _counts, _libpq
from tests.e2e.test_cli import environment, run, serving


def _sql(url: str, query: str) -> str:
    done = subprocess.run(
        ["psql", _libpq(url), "-At", "-c", query], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_partitioned_city_goes_down_to_0021_and_up_again_with_its_books(
    pg_database_url: str, tmp_path: Path
) -> None:
    env = environment(tmp_path, pg_database_url)
    assert run(env, "migrate").returncode == 0
    with serving(env, residents=60, ready_within=240) as (base, _process):
        assert httpx.get(f"{base}/readyz").status_code == 200
    before, counts = _checks(env), _counts(pg_database_url)
    assert counts["actions"] > 0
    assert _sql(pg_database_url, "SELECT count(*) FROM actions_legacy") == "0"  # every id carries its month

    down = run(env, "migrate", "--downgrade", "0021")
    assert down.returncode == 0, down.stderr
    assert _sql(pg_database_url, "SELECT count(*) FROM pg_partitioned_table") == "0"
    assert _counts(pg_database_url) == counts

    up = run(env, "migrate")
    assert up.returncode == 0, up.stderr
    assert _checks(env) == before
    assert _counts(pg_database_url) == counts
    months = _sql(pg_database_url, "SELECT count(DISTINCT tableoid) FROM actions")
    assert int(months) >= 1
    assert _sql(pg_database_url, "SELECT count(*) FROM actions_legacy") == "0"
