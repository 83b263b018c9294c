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
import contextlib
import datetime as dt
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import sqlalchemy as sa

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from tests.fixtures.databases import (  # noqa: E402
    admin_pg_url,
    asyncpg_dsn,
    create_pg_database,
    drop_pg_database,
    redis_url,
)

PYTHON = sys.executable
TANBI = str(Path(sys.executable).parent / "tanbi")
PGBENCH = "/usr/bin/pgbench"  # Debian's client, whatever else is on PATH
WRK_LUA = BENCH / "wrk_json.lua"
WRK_MARK = "WRK_JSON "
WRK_THREADS = 2
HTTP_WORKERS = 2
PACED_RATE = 2_000  # events/s offered in the paced credit run
PARTS = ("pgbench", "healthz", "reads", "lists", "credit", "redeem", "embedded")
CEILING_OF = {"reads": "healthz", "lists": "healthz", "credit": "pgbench", "redeem": "pgbench"}
CHILD_GRACE_SECONDS = 120  # a child benchmark stops its servers and drops its database in this time


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


FULL = Sizes(30, 15, 200_000, 200_000, 2_000, 20_000, 5_000, 2_000, 500, None)
QUICK = Sizes(5, 3, 2_000, 2_000, 200, 2_000, 500, 200, 100, 50)


class PartFailed(RuntimeError):
    pass


def log(message: str) -> None:
    print(f"[ratios {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---- processes -------------------------------------------------------------------------------------


def stop(process: subprocess.Popen, grace: float = 20) -> None:  # type: ignore[type-arg]
    """SIGINT (each of our children cleans up on it), then kill after ``grace`` seconds."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def run_child_benchmark(command: list[str], log_path: Path, timeout: float) -> dict[str, Any]:
    """Run another bench/ script and return the JSON it prints. Its own session: a Ctrl-C reaches only
    this process, which then sends the child one SIGINT, so the child's cleanup is not interrupted."""
    with log_path.open("w") as sink:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=sink, text=True, cwd=ROOT, start_new_session=True
        )
    try:
        out, _ = process.communicate(timeout=timeout)
    finally:
        stop(process, grace=CHILD_GRACE_SECONDS)
    if process.returncode != 0:
        raise PartFailed(f"{Path(command[1]).name} exited with {process.returncode}:\n{tail(log_path)}")
    return json.loads(out)


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


def ensure_wrk() -> None:
    """Debian's wrk; installed when we may (root), else a clear stop."""
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0:
        sys.exit("bench/ratios: wrk is missing; install Debian's package: sudo apt-get install -y wrk")
    log("installing wrk (apt-get)")
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=True)
        subprocess.run(install, env=env, capture_output=True, check=True)


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


# ---- HTTP: one production server for the ceiling, the reads and the lists ---------------------------


@dataclass
class Server:
    base: str
    token: str  # a resident's bearer token


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """These TANBI_ variables in this process while the seed runs (load_settings reads the environment)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def seed_world(url: str, tanbi_env: dict[str, str]) -> str:
    """A resident with coins, a merchant with 20 approved offers; returns the resident's access token."""
    sys.path.insert(0, str(BENCH))
    from redeem import seed  # the redemption benchmark's seed: residents with coins, approved offers

    with environment(tanbi_env):
        world = asyncio.run(seed(url, residents=1, offers=20, stock=100, charges=0))
    return next(iter(world["residents"].values()))


@contextlib.contextmanager
def production_server(workdir: Path) -> Iterator[Server]:
    """`tanbi serve --workers 2` on a fresh, migrated PostgreSQL database and Redis, seeded."""
    url = asyncio.run(create_pg_database("tanbi_ratios"))
    server = None
    try:
        tanbi_env = {
            "TANBI_DATABASE_URL": url,
            "TANBI_REDIS_URL": redis_url(),
            "TANBI_JOBS__QUEUE_NAME": f"tanbi-ratios:{uuid.uuid4().hex[:8]}",
            "TANBI_DATA_DIR": str(workdir / "serve-data"),
            "TANBI_AUTH__JWT_KEYS": json.dumps({"ratios": secrets.token_hex(32)}),
            "TANBI_AUTH__HASH_KEY": secrets.token_hex(32),
            "TANBI_AUTH__SECRETS_KEY": secrets.token_hex(32),
            "TANBI_AUTH__ACCESS_TTL_SECONDS": "3600",  # the token must outlive every wrk run
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith("TANBI_")} | tanbi_env
        subprocess.run([TANBI, "migrate"], env=env, check=True, capture_output=True)
        token = seed_world(url, tanbi_env)
        port = free_port()
        with (workdir / "serve.log").open("w") as sink:
            command = [TANBI, "serve", "--port", str(port), "--workers", str(HTTP_WORKERS)]
            server = subprocess.Popen(
                command, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
            )
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, server, workdir / "serve.log")
        yield Server(base, token)
    finally:
        if server is not None:
            stop(server)
        asyncio.run(drop_pg_database(url))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(base: str, server: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise PartFailed(f"tanbi serve exited with {server.returncode}:\n{tail(log_path)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise PartFailed(f"tanbi serve not ready after {timeout} s:\n{tail(log_path)}")


def wrk(url: str, connections: int, seconds: int, headers: tuple[str, ...] = ()) -> dict[str, Any]:
    """One wrk run; requests/s and latency percentiles from the Lua done hook (wrk_json.lua)."""
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s"]
    command += ["-s", str(WRK_LUA)]
    for header in headers:
        command += ["-H", header]
    done = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60, check=True)
    line = next((x for x in done.stdout.splitlines() if x.startswith(WRK_MARK)), None)
    if line is None:
        raise PartFailed(f"wrk printed no summary:\n{done.stdout}{done.stderr}")
    raw = json.loads(line[len(WRK_MARK) :])
    errors = {
        k: raw[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    }
    return {
        "requests_per_second": round(raw["requests"] / (raw["duration_us"] / 1e6)),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "connections": connections,
        "requests": raw["requests"],
        "errors": sum(errors.values()),
    }


def load(server: Server, path: str, connections: int, seconds: int, *headers: str) -> dict[str, Any]:
    """A second of warm-up (pools, caches), then the measured run."""
    wrk(server.base + path, connections, 1, headers)
    return wrk(server.base + path, connections, seconds, headers)


def auth(server: Server) -> str:
    return f"Authorization: Bearer {server.token}"


def check_status(server: Server, path: str, headers: dict[str, str], expected: int) -> httpx.Response:
    """A wrk run counts no 2xx/3xx status as an error, so make sure the route answers what we measure."""
    response = httpx.get(server.base + path, headers=headers, timeout=10)
    if response.status_code != expected:
        raise PartFailed(f"GET {path} answered {response.status_code}, not {expected}: {response.text[:300]}")
    return response


def measure_healthz(server: Server, sizes: Sizes) -> dict[str, Any]:
    check_status(server, "/healthz", {}, 200)
    return load(server, "/healthz", 32, sizes.wrk_seconds)


def measure_reads(server: Server, sizes: Sizes) -> dict[str, Any]:
    bearer = {"Authorization": f"Bearer {server.token}"}
    figures = {}
    for name, path in (("me_wallet", "/v1/me/wallet"), ("me", "/v1/me")):
        check_status(server, path, bearer, 200)
        figures[name] = load(server, path, 16, sizes.wrk_seconds, auth(server))
    return figures


def measure_list(server: Server, path: str, sizes: Sizes) -> dict[str, Any]:
    """Plain, then revalidated with the ETag the first answer carried (null when there is none)."""
    bearer = {"Authorization": f"Bearer {server.token}"}
    etag = check_status(server, path, bearer, 200).headers.get("etag")
    figures: dict[str, Any] = {"etag": etag, "plain": load(server, path, 16, sizes.wrk_seconds, auth(server))}
    if etag is None:
        figures["if_none_match"] = None
        return figures
    revalidated = check_status(server, path, bearer | {"If-None-Match": etag}, 304)
    figures["cache_control"] = revalidated.headers.get("cache-control")
    figures["if_none_match"] = load(
        server, path, 16, sizes.wrk_seconds, auth(server), f"If-None-Match: {etag}"
    )
    return figures


def measure_lists(server: Server, sizes: Sizes) -> dict[str, Any]:
    return {
        "methodologies": measure_list(server, "/v1/methodologies", sizes),
        "offers": measure_list(server, "/v1/offers", sizes),
    }


# ---- child benchmarks: credit, redeem, embedded -------------------------------------------------------


def measure_credit(sizes: Sizes, workdir: Path) -> dict[str, Any]:
    ingest = [PYTHON, str(BENCH / "ingest.py"), "--subjects", str(sizes.subjects)]
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


# ---- ratios and targets ------------------------------------------------------------------------------


def ratio(value: float | None, ceiling: float | None) -> float | None:
    if value is None or not ceiling:
        return None
    return round(value / ceiling, 3)


def dig(tree: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if not isinstance(tree, dict) or tree.get(key) is None:
            return None
        tree = tree[key]
    return tree


def ratios_of(figures: dict[str, Any], ceilings: dict[str, Any]) -> dict[str, float | None]:
    healthz, tps = ceilings.get("healthz_rps"), ceilings.get("pgbench_tps")
    rps = "requests_per_second"
    found: dict[str, float | None] = {}
    if "reads" in figures:
        found["me_wallet_to_healthz"] = ratio(dig(figures, "reads", "me_wallet", rps), healthz)
        found["me_to_healthz"] = ratio(dig(figures, "reads", "me", rps), healthz)
    for name in ("methodologies", "offers"):
        if "lists" in figures:
            found[f"{name}_to_healthz"] = ratio(dig(figures, "lists", name, "plain", rps), healthz)
            found[f"{name}_304_to_healthz"] = ratio(
                dig(figures, "lists", name, "if_none_match", rps), healthz
            )
    if "credit" in figures:
        found["credited_to_pgbench"] = ratio(dig(figures, "credit", "unpaced", "credited_per_second"), tps)
    if "redeem" in figures:
        found["redemptions_to_pgbench"] = ratio(dig(figures, "redeem", "redemptions_per_second"), tps)
    return found


@dataclass(frozen=True)
class Target:
    """Issue 14's targets: ``value`` picks the figure, ``op`` compares it with ``bound``."""

    op: str
    bound: float
    value: Callable[[dict[str, Any], dict[str, Any]], Any]  # (figures, ratios) -> value or None


COMPARE = {">=": lambda v, b: v >= b, "<": lambda v, b: v < b, "<=": lambda v, b: v <= b}
TARGETS = {
    "me_wallet_ratio": Target(">=", 0.35, lambda f, r: r.get("me_wallet_to_healthz")),
    "me_wallet_p99_ms": Target("<", 10, lambda f, r: dig(f, "reads", "me_wallet", "p99_ms")),
    "me_ratio": Target(">=", 0.35, lambda f, r: r.get("me_to_healthz")),
    "me_p99_ms": Target("<", 10, lambda f, r: dig(f, "reads", "me", "p99_ms")),
    "methodologies_ratio": Target(">=", 0.5, lambda f, r: r.get("methodologies_to_healthz")),
    "methodologies_304_ratio": Target(">=", 0.5, lambda f, r: r.get("methodologies_304_to_healthz")),
    "offers_ratio": Target(">=", 0.5, lambda f, r: r.get("offers_to_healthz")),
    "offers_304_ratio": Target(">=", 0.5, lambda f, r: r.get("offers_304_to_healthz")),
    "credited_ratio": Target(">=", 0.6, lambda f, r: r.get("credited_to_pgbench")),
    "paced_receipt_to_credited_p99_s": Target(
        "<", 1, lambda f, r: dig(f, "credit", f"paced_{PACED_RATE}", "receipt_to_final_p99_seconds")
    ),
    "redemptions_ratio": Target(">=", 0.5, lambda f, r: r.get("redemptions_to_pgbench")),
    "redeem_p99_ms": Target("<", 50, lambda f, r: dig(f, "redeem", "latency_p99_ms")),
    "sqlite_credited_per_second": Target(
        ">=", 500, lambda f, r: dig(f, "embedded", "credit", "credited_per_second")
    ),
    "demo_ready_seconds": Target("<=", 20, lambda f, r: dig(f, "embedded", "demo", "ready_seconds")),
}


def targets_of(figures: dict[str, Any], ratios: dict[str, Any]) -> dict[str, Any]:
    """Each target whose figure this run measured: the bound, the value, and whether it was met."""
    found = {}
    for name, target in TARGETS.items():
        value = target.value(figures, ratios)
        if value is None:
            continue
        met = COMPARE[target.op](value, target.bound)
        found[name] = {"target": f"{target.op} {target.bound:g}", "value": value, "met": met}
    return found


def checks_of(figures: dict[str, Any]) -> dict[str, Any]:
    """Correctness that must hold for a figure to count: every event credited, no oversell, books verify."""
    found: dict[str, Any] = {}
    for run in ("unpaced", f"paced_{PACED_RATE}"):
        if dig(figures, "credit", run) is not None:
            credit = figures["credit"][run]
            found[f"credit_{run}_all_credited"] = credit["statuses"] == {"credited": credit["events"]}
            found[f"credit_{run}_ledger_verify"] = credit["ledger_verify"] == "ok"
    if "redeem" in figures:
        found["redeem_no_oversell"] = not figures["redeem"]["oversold"]
        found["redeem_ledger_verify"] = figures["redeem"]["ledger_verify"] == "ok"
    if dig(figures, "embedded", "credit") is not None:
        credit = figures["embedded"]["credit"]
        found["sqlite_all_credited"] = credit["statuses"] == {"credited": credit["events"]}
    return found


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
            measured.attempt(name, partial(measures[name], server, sizes))


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
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
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
