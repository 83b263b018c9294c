"""Issue 14's one command: the machine's own ceilings and Tanbi's hot paths in one run, as ratios.

    bench/ratios [--quick] [--only NAME[,NAME]] [--out FILE]

The machine is shared and noisy, so every Tanbi figure is divided by a ceiling measured in the same run:

- ceilings: PostgreSQL's pgbench TPC-B (scale 8, 8 clients, 2 threads, prepared statements) on a scratch
  database, and wrk against `GET /healthz` of `tanbi serve --workers 2` (32 connections, 2 threads);
- reads: `GET /v1/me/wallet` and `GET /v1/me` with a resident's token (16 connections), over /healthz;
- lists: `GET /v1/methodologies` and `GET /v1/offers`, plain and with `If-None-Match` set to the ETag a
  first request returned (when the route gives one), over /healthz;
- credit: bench/ingest.py unpaced (credited events/s, over pgbench tps) and offered at 2,000 events/s
  (receipt -> credited p50/p99);
- redeem: bench/redeem.py --direct (successful redemptions/s over pgbench tps, p99, oversell, ledger verify);
- embedded: bench/embedded.py (SQLite credited events/s, first `tanbi serve --demo` until ready).

When credit or redeem ran, pgbench runs once more at the end: the ratios divide by the first figure, the
second shows how much the machine drifted meanwhile.

Parts (for --only): pgbench, healthz, reads, lists, credit, redeem, embedded; a part whose ratio needs a
ceiling runs that ceiling too. Prints one JSON object (and writes it to --out). Databases, servers and
folders it makes are removed at the end, also after a failure or Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa
from http_figures import ensure_wrk, measure_healthz, measure_lists, measure_reads, production_server
from processes import PartFailed, log, run_child_benchmark
from targets import PACED_RATE, checks_of, dig, ratios_of, targets_of

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from tests.fixtures.databases import (  # noqa: E402
    admin_pg_url,
    asyncpg_dsn,
    create_pg_database,
    drop_pg_database,
)

PYTHON = sys.executable
PGBENCH = "/usr/bin/pgbench"  # Debian's client, whatever else is on PATH
PARTS = ("pgbench", "healthz", "reads", "lists", "credit", "redeem", "embedded")
CEILING_OF = {"reads": "healthz", "lists": "healthz", "credit": "pgbench", "redeem": "pgbench"}


@dataclass(frozen=True)
class Sizes:
    """How much each part does; --quick is a smoke run, not a measurement."""

    pgbench_seconds: int
    wrk_seconds: int
    events: int  # unpaced credit run
    paced_events: int
    subjects: int
    redeem_requests: int
    redeem_residents: int
    sqlite_events: int
    sqlite_subjects: int
    demo_residents: int | None  # None: the demo's own default (2,000), what `./scripts/serve` seeds


# The paced run offers 60,000 events at 2,000/s (30 s): enough for its percentiles, and a backlog, if
# any, already shows in its p99; 200,000 of them took twelve minutes of a 31-minute run.
FULL = Sizes(30, 15, 200_000, 60_000, 2_000, 20_000, 5_000, 2_000, 500, None)
QUICK = Sizes(5, 3, 2_000, 2_000, 200, 2_000, 500, 200, 100, 50)


# ---- machine ---------------------------------------------------------------------------------------


def git(*args: str) -> str:
    # Only the newline: porcelain status lines start with a meaningful space.
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.rstrip("\n")


def uncommitted() -> list[str]:
    """Paths that differ from the commit: the servers run the work tree, so these were measured too."""
    return [line[3:] for line in git("status", "--porcelain").splitlines()]


def first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr) else "unknown"


def machine() -> dict[str, Any]:
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    memory = re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
    return {
        "cores": os.cpu_count(),
        "cpu": cpu.group(1).strip() if cpu else "unknown",
        "memory_gib": round(int(memory.group(1)) / 2**20, 1) if memory else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "pgbench": first_line([PGBENCH, "--version"]),
        "wrk": first_line(["wrk", "-v"]) if shutil.which("wrk") else None,
        "postgresql": asyncio.run(postgres_version()),
        "loadavg_at_start": list(os.getloadavg()),
    }


async def postgres_version() -> str:
    connection = await asyncpg.connect(asyncpg_dsn(admin_pg_url()))
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


# ---- pgbench ---------------------------------------------------------------------------------------


def pg_env() -> dict[str, str]:
    """libpq's variables for the server TANBI_TEST_DATABASE_URL names (the test suite's server)."""
    url = admin_pg_url()
    env = os.environ | {"PGHOST": url.host or "127.0.0.1", "PGPORT": str(url.port or 5432)}
    env["PGUSER"] = url.username or "postgres"
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return env


def measure_pgbench(sizes: Sizes) -> dict[str, Any]:
    url = asyncio.run(create_pg_database("tanbi_pgbench"))
    name = sa.make_url(url).database or ""
    try:
        env = pg_env()
        subprocess.run([PGBENCH, "-i", "-q", "-s", "8", name], env=env, capture_output=True, check=True)
        command = [PGBENCH, "-c", "8", "-j", "2", "-M", "prepared", "-T", str(sizes.pgbench_seconds), name]
        out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    finally:
        asyncio.run(drop_pg_database(url))
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    latency = re.search(r"latency average = ([\d.]+) ms", out)
    if tps is None:
        raise PartFailed(f"pgbench printed no tps:\n{out}")
    return {
        "tps": round(float(tps.group(1))),
        "latency_avg_ms": float(latency.group(1)) if latency else None,
        "scale": 8,
        "clients": 8,
        "threads": 2,
        "seconds": sizes.pgbench_seconds,
    }


# ---- child benchmarks: credit, redeem, embedded -------------------------------------------------------


def measure_credit(sizes: Sizes, workdir: Path) -> dict[str, Any]:
    # Two workers: on two cores one worker process leaves a core to PostgreSQL and the API alone.
    ingest = [PYTHON, str(BENCH / "ingest.py"), "--subjects", str(sizes.subjects), "--workers", "2"]
    log("credit: unpaced")
    unpaced = run_child_benchmark(
        [*ingest, "--events", str(sizes.events)], workdir / "ingest-unpaced.log", timeout=7200
    )
    log(f"credit: offered at {PACED_RATE} events/s")
    paced = run_child_benchmark(
        [*ingest, "--events", str(sizes.paced_events), "--rate", str(PACED_RATE)],
        workdir / "ingest-paced.log",
        timeout=7200,
    )
    return {"unpaced": unpaced, f"paced_{PACED_RATE}": paced}


def measure_redeem(sizes: Sizes, workdir: Path) -> dict[str, Any]:
    # Stock for four fifths of the claims, as the redemption benchmark's defaults have it.
    stock = sizes.redeem_requests // 10
    command = [PYTHON, str(BENCH / "redeem.py"), "--direct", "--workers", "2", "--concurrency", "8"]
    command += ["--requests", str(sizes.redeem_requests), "--residents", str(sizes.redeem_residents)]
    command += ["--stock", str(stock)]
    result = run_child_benchmark(command, workdir / "redeem.log", timeout=3600)
    result.pop("offers", None)  # per-offer stock lines; `oversold` says what matters
    return result


def measure_embedded(sizes: Sizes, workdir: Path) -> dict[str, Any]:
    command = [PYTHON, str(BENCH / "embedded.py"), "--events", str(sizes.sqlite_events)]
    command += ["--subjects", str(sizes.sqlite_subjects)]
    if sizes.demo_residents is not None:
        command += ["--demo-residents", str(sizes.demo_residents)]
    return run_child_benchmark(command, workdir / "embedded.log", timeout=7200)


# ---- the run -----------------------------------------------------------------------------------------


def chosen_parts(only: str | None) -> list[str]:
    if not only:
        return list(PARTS)
    asked = {name.strip() for name in only.split(",") if name.strip()}
    unknown = asked - set(PARTS)
    if unknown:
        sys.exit(f"bench/ratios: unknown part(s) {', '.join(sorted(unknown))}; parts: {', '.join(PARTS)}")
    asked |= {CEILING_OF[name] for name in asked if name in CEILING_OF}
    return [name for name in PARTS if name in asked]


@dataclass
class Measured:
    figures: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    def attempt(self, name: str, measure: Callable[[], Any]) -> None:
        """Run one part; a part that fails is reported and the others still run (a full run is long)."""
        log(f"{name} ...")
        started = time.monotonic()
        try:
            self.figures[name] = measure()
        except Exception as failure:  # whatever broke, the other parts' figures stay
            self.failures[name] = f"{type(failure).__name__}: {failure}"
            log(f"{name} failed: {self.failures[name]}")
        finally:
            self.seconds[name] = round(time.monotonic() - started, 1)
            log(f"{name} took {self.seconds[name]} s")


def run(parts: list[str], sizes: Sizes, workdir: Path) -> Measured:
    measured = Measured()
    if "pgbench" in parts:
        measured.attempt("pgbench", partial(measure_pgbench, sizes))
    http = [p for p in ("healthz", "reads", "lists") if p in parts]
    if http:
        measured.attempt("http", partial(measure_http, http, sizes, workdir, measured))
        measured.figures.pop("http", None)
    children = {"credit": measure_credit, "redeem": measure_redeem, "embedded": measure_embedded}
    for name, measure in children.items():
        if name in parts:
            measured.attempt(name, partial(measure, sizes, workdir))
    if {"credit", "redeem"} & set(parts):
        # The ratios divide by the first pgbench; this one, minutes later, shows how far the machine drifted.
        measured.attempt("pgbench_at_end", partial(measure_pgbench, sizes))
    return measured


def measure_http(names: list[str], sizes: Sizes, workdir: Path, measured: Measured) -> None:
    """The HTTP parts against one server (its start-up is what ``http`` times)."""
    measures = {"healthz": measure_healthz, "reads": measure_reads, "lists": measure_lists}
    with production_server(workdir) as server:
        for name in names:
            measured.attempt(name, partial(measures[name], server, sizes.wrk_seconds))


def report(header: dict[str, Any], measured: Measured) -> dict[str, Any]:
    """The one JSON object: ``header`` (date, commit, sizes, machine) then ceilings, figures, ratios, targets."""
    figures = measured.figures
    ceilings = {
        "pgbench_tps": dig(figures, "pgbench", "tps"),
        "pgbench_tps_at_end": dig(figures, "pgbench_at_end", "tps"),
        "healthz_rps": dig(figures, "healthz", "requests_per_second"),
        "healthz_p99_ms": dig(figures, "healthz", "p99_ms"),
    }
    ratios = ratios_of(figures, ceilings)
    return header | {
        "ceilings": ceilings,
        "figures": figures,
        "ratios": ratios,
        "targets": targets_of(figures, ratios),
        "checks": checks_of(figures),
        "failures": measured.failures,
        "seconds": measured.seconds,
    }


def unwind_on_signals() -> None:
    """SIGINT and SIGTERM unwind as KeyboardInterrupt, so every ``finally`` removes what it made.

    SIGINT explicitly too: a shell starts a background job with SIGINT ignored, Python then leaves it
    ignored, and our children would inherit that and ignore the SIGINT that asks them to clean up. A
    handler (unlike an ignored signal) is reset to the default in a child.
    """

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, handler)


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="bench/ratios", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run, not a measurement")
    parser.add_argument("--only", help=f"comma-separated parts among: {', '.join(PARTS)}")
    parser.add_argument("--out", type=Path, help="also write the JSON to this file")
    args = parser.parse_args()

    parts = chosen_parts(args.only)
    sizes = QUICK if args.quick else FULL
    unwind_on_signals()
    if {"healthz", "reads", "lists"} & set(parts):
        ensure_wrk()
    header = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git("rev-parse", "--short", "HEAD") or "unknown",
        "uncommitted": uncommitted(),
        "quick": args.quick,
        "parts": parts,
        "sizes": asdict(sizes),
        "machine": machine(),
    }
    workdir = Path(tempfile.mkdtemp(prefix="tanbi-ratios-"))
    try:
        measured = run(parts, sizes, workdir)
    except KeyboardInterrupt:
        log("interrupted; what the run made is removed")
        return 130
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    header["machine"]["loadavg_at_end"] = list(os.getloadavg())
    result = report(header, measured)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 1 if measured.failures else 0


if __name__ == "__main__":
    sys.exit(main())
