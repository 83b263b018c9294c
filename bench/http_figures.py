"""HTTP figures under wrk: `tanbi serve --workers 2` on PostgreSQL and Redis, its /healthz ceiling, a
resident's reads and the cacheable lists (plain and revalidated with If-None-Match)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from processes import PartFailed, free_port, log, stop, wait_ready

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from service.keys.generate import fresh_keys  # noqa: E402
from tests.fixtures.databases import create_pg_database, drop_pg_database, redis_url  # noqa: E402

TANBI = str(Path(sys.executable).parent / "tanbi")
WRK_LUA = BENCH / "wrk_json.lua"
WRK_MARK = "WRK_JSON "
WRK_THREADS = 2
HTTP_WORKERS = 2


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
            **fresh_keys(dt.date.today()),  # production refuses to start without every key
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


def measure_healthz(server: Server, seconds: int) -> dict[str, Any]:
    check_status(server, "/healthz", {}, 200)
    return load(server, "/healthz", 32, seconds)


def measure_reads(server: Server, seconds: int) -> dict[str, Any]:
    bearer = {"Authorization": f"Bearer {server.token}"}
    figures = {}
    for name, path in (("me_wallet", "/v1/me/wallet"), ("me", "/v1/me")):
        check_status(server, path, bearer, 200)
        figures[name] = load(server, path, 16, seconds, auth(server))
    return figures


def measure_list(server: Server, path: str, seconds: int) -> dict[str, Any]:
    """Plain, then revalidated with the ETag the first answer carried (null when there is none)."""
    bearer = {"Authorization": f"Bearer {server.token}"}
    etag = check_status(server, path, bearer, 200).headers.get("etag")
    figures: dict[str, Any] = {"etag": etag, "plain": load(server, path, 16, seconds, auth(server))}
    if etag is None:
        figures["if_none_match"] = None
        return figures
    revalidated = check_status(server, path, bearer | {"If-None-Match": etag}, 304)
    figures["cache_control"] = revalidated.headers.get("cache-control")
    figures["if_none_match"] = load(server, path, 16, seconds, auth(server), f"If-None-Match: {etag}")
    return figures


def measure_lists(server: Server, seconds: int) -> dict[str, Any]:
    return {
        "methodologies": measure_list(server, "/v1/methodologies", seconds),
        "offers": measure_list(server, "/v1/offers", seconds),
    }
