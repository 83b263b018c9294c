"""Embedded-default benchmark: SQLite credits/s through `tanbi serve`, and how long a first `--demo` start takes.

    .venv/bin/python bench/embedded.py --events 5000 --subjects 500

Both on a fresh data folder each, with nothing configured (SQLite, jobs in-process, as `./scripts/serve`):

- credit: `tanbi serve` with a partner and bound subjects; signed batches of 1,000 bus-trip events posted
  as bench/ingest.py posts them; credited events/s from the first receipt to the last final status (the same
  definition as bench/ingest.py), receipt -> final p50/p99.
- demo: `tanbi serve --demo` from nothing until `/readyz` answers 200. The demo city is seeded (and its
  season credited) before the server listens, so a 200 means the demo is there.

Prints one JSON object on stdout: ``credit`` and ``demo`` as above (bench/ratios.py reads them), and at its
top ``events``, ``seconds`` and ``events_per_s``: the credit part's credited events, first receipt -> last
final status, and their rate. ``--only credit`` or ``--only demo`` runs one part; ``--json`` prints nothing
but the object (no summary on stderr). Everything it makes lives in a temporary folder removed afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from ingest import TANBI, batches, bind_subjects, free_port, percentile, post_all, run_json

READY_POLL_SECONDS = 0.1


def embedded_env(data: Path) -> dict[str, str]:
    """The environment of a first `./scripts/serve`: no TANBI_ setting but the data folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANBI_")}
    return env | {"TANBI_DATA_DIR": str(data)}


def start_server(env: dict[str, str], port: int, *extra: str) -> subprocess.Popen:  # type: ignore[type-arg]
    # A file, not a pipe: nobody reads the server while it runs, and a full pipe would block it.
    with open(Path(env["TANBI_DATA_DIR"]) / f"serve-{port}.log", "w") as log:
        return subprocess.Popen(
            [TANBI, "serve", "--port", str(port), *extra], env=env, stdout=log, stderr=subprocess.STDOUT
        )


def stop_server(server: subprocess.Popen) -> None:  # type: ignore[type-arg]
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def wait_ready(base: str, server: subprocess.Popen, timeout: float) -> float:  # type: ignore[type-arg]
    """Seconds until ``/readyz`` answered 200; raises if the server died or took longer than ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if server.poll() is not None:
            raise RuntimeError(f"tanbi serve exited with {server.returncode} before it was ready")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(READY_POLL_SECONDS)
    raise TimeoutError(f"tanbi serve not ready after {timeout} s")


def wait_final(database: Path, total: int, timeout: float) -> None:
    """Until every one of ``total`` events left ``received`` (read beside the server: WAL lets us)."""
    deadline = time.monotonic() + timeout
    with sqlite3.connect(database, timeout=30) as connection:
        while time.monotonic() < deadline:
            stored, pending = connection.execute(
                "SELECT count(*), count(*) FILTER (WHERE status = 'received') FROM partner_events"
            ).fetchone()
            if stored == total and pending == 0:
                return
            time.sleep(0.5)
    raise TimeoutError(f"{pending} of {total} events still received after {timeout} s")


def credit_figures(database: Path) -> dict:  # type: ignore[type-arg]
    """Statuses, credited/s over first receipt -> last final status, and receipt -> final percentiles."""
    # Timestamps are stored as UTC text; julianday() turns them into days with sub-millisecond precision.
    with sqlite3.connect(database, timeout=30) as connection:
        statuses = dict(connection.execute("SELECT status, count(*) FROM partner_events GROUP BY status"))
        values = sorted(
            v
            for (v,) in connection.execute(
                "SELECT (julianday(processed_at) - julianday(received_at)) * 86400 FROM partner_events "
                "WHERE processed_at IS NOT NULL"
            )
        )
        (span,) = connection.execute(
            "SELECT (julianday(max(processed_at)) - julianday(min(received_at))) * 86400 FROM partner_events"
        ).fetchone()
    return {
        "statuses": statuses,
        "first_receipt_to_last_final_seconds": round(span, 2),
        "credited_per_second": round(statuses.get("credited", 0) / span, 1),
        "receipt_to_final_p50_seconds": round(percentile(values, 50), 3),
        "receipt_to_final_p99_seconds": round(percentile(values, 99), 3),
    }


def measure_credit(root: Path, events: int, subjects: int, concurrency: int) -> dict:  # type: ignore[type-arg]
    data = root / "credit"
    env = embedded_env(data)
    subprocess.run([TANBI, "migrate"], env=env, check=True, capture_output=True)
    partner = run_json(env, "partner", "add", "Bench Bus", "--methodologies", "bus_trip", "--json")
    database = data / "tanbi.db"
    asyncio.run(bind_subjects(f"sqlite+aiosqlite:///{database}", partner["id"], subjects, env))
    bodies = batches(events, subjects)
    port = free_port()
    server = start_server(env, port)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, server, timeout=60)
        posting = asyncio.run(post_all(base, partner, bodies, concurrency, None))
        wait_final(database, events, timeout=3600)
    finally:
        stop_server(server)
    return {
        "events": events,
        "subjects": subjects,
        "accepted_per_second": round(events / posting),
    } | credit_figures(database)


def measure_demo(root: Path, residents: int | None) -> dict:  # type: ignore[type-arg]
    data = root / "demo"
    data.mkdir()
    env = embedded_env(data)
    if residents is not None:
        env["TANBI_DEMO_RESIDENTS"] = str(residents)  # the demo's own knob for smaller sandboxes
    port = free_port()
    server = start_server(env, port, "--demo")
    try:
        seconds = wait_ready(f"http://127.0.0.1:{port}", server, timeout=1800)
    finally:
        stop_server(server)
    city = json.loads((data / "demo-city.json").read_text())
    return {
        "ready_seconds": round(seconds, 2),
        "residents": city["residents"],
        "events": city["events"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--subjects", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4, help="batches in flight at once")
    parser.add_argument(
        "--demo-residents", type=int, help="residents of the demo city (default: the demo's own 2,000)"
    )
    parser.add_argument("--only", choices=("credit", "demo"), help="run one part (default: both)")
    parser.add_argument("--json", action="store_true", help="print only the JSON object")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="tanbi-embedded-"))
    figures: dict = {}  # type: ignore[type-arg]
    try:
        if args.only in (None, "credit"):
            credit = measure_credit(root, args.events, args.subjects, args.concurrency)
            figures |= {
                "events": credit["statuses"].get("credited", 0),
                "seconds": credit["first_receipt_to_last_final_seconds"],
                "events_per_s": credit["credited_per_second"],
                "credit": credit,
            }
        if args.only in (None, "demo"):
            figures["demo"] = measure_demo(root, args.demo_residents)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if not args.json:
        print(summary(figures), file=sys.stderr)
    print(json.dumps(figures, indent=2))


def summary(figures: dict) -> str:  # type: ignore[type-arg]
    lines = []
    if "credit" in figures:
        lines.append(
            f"credit: {figures['events']:,} events credited in {figures['seconds']} s, "
            f"{figures['events_per_s']} events/s on SQLite"
        )
    if "demo" in figures:
        demo = figures["demo"]
        lines.append(
            f"demo: {demo['residents']:,} residents, {demo['events']:,} events, ready in {demo['ready_seconds']} s"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
