"""Ingest benchmark: signed partner batches through the real HTTP API, PostgreSQL, Redis and one arq worker.

    .venv/bin/python bench/ingest.py --events 200000

Starts `tanbi serve` (one API process) and `tanbi worker` (one worker) against a fresh PostgreSQL database
(from TANBI_TEST_DATABASE_URL, default postgres@127.0.0.1:5432) and Redis (TANBI_TEST_REDIS_URL), binds
subjects to residents, posts batches of 1,000 bus-trip events, and waits until every event is final.
Prints events/s (first 202 to last final status), p50/p99 of the time from receipt to final status, and
whether `tanbi ledger verify` passes afterwards. The city's roll-ups are part of the figure: after the last
credit, what still waits in the roll-up log is folded (`tanbi rollup fold`, timed), `tanbi rollup verify`
must pass, and credited_per_second_rollups_included divides by the span plus that fold.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.keys.generate import fresh_keys  # noqa: E402
from service.partners.crypto import sign  # noqa: E402
from tests.fixtures.databases import asyncpg_dsn, create_pg_database, drop_pg_database, redis_url  # noqa: E402

TANBI = str(Path(sys.executable).parent / "tanbi")
BATCH = 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_json(env: dict[str, str], *args: str) -> dict:  # type: ignore[type-arg]
    out = subprocess.run([TANBI, *args], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


async def bind_subjects(url: str, partner_id: int, subjects: int, env: dict[str, str]) -> None:
    """Residents and bindings straight through the service code (set-up, not measured)."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("TANBI_")})
    from service.db.base import utcnow
    from service.db.engine import Database
    from service.identity.repository import IdentityRepository
    from service.partners.bindings import bind, create_link_token
    from service.partners.models import Partner
    from service.settings import load_settings

    settings = load_settings()
    database = Database.from_url(url)
    hash_key = settings.auth.hash_key.get_secret_value().encode()  # type: ignore[union-attr]
    async with database.session() as session:
        partner = await session.get(Partner, partner_id)
        for n in range(subjects):
            resident = await IdentityRepository(session).ensure_resident_by_phone_hash(f"bench-{n}", utcnow())
            token, _ = await create_link_token(
                session, partner, f"card-{n}", hash_key, settings.partners, utcnow()
            )
            await bind(session, resident.id, token, settings.partners, 500, utcnow())
    await database.dispose()


def batches(total: int, subjects: int) -> list[bytes]:
    now = dt.datetime.now(dt.UTC)
    bodies = []
    for b in range(0, total, BATCH):
        events = []
        for n in range(b, min(total, b + BATCH)):
            subject, slot = n % subjects, n // subjects
            start = now - dt.timedelta(days=28) + dt.timedelta(minutes=150 * slot)
            evidence = {
                "boarded_at": start.isoformat(),
                "alighted_at": (start + dt.timedelta(minutes=20)).isoformat(),
                "distance_m": 5000,
            }
            events.append(
                {
                    "id": f"ev-{n}",
                    "type": "bus_trip",
                    "subject": f"card-{subject}",
                    "occurred_at": evidence["boarded_at"],
                    "evidence": evidence,
                }
            )
        bodies.append(json.dumps({"events": events}).encode())
    return bodies


async def post_all(
    base: str,
    partner: dict,  # type: ignore[type-arg]
    bodies: list[bytes],
    concurrency: int,
    rate: float | None,
) -> float:
    """Post every batch; with ``rate`` (events/s) batch k is not sent before k * BATCH / rate seconds."""
    queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
    for k, body in enumerate(bodies):
        queue.put_nowait((k, body))
    started = time.monotonic()

    async def sender(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            k, body = queue.get_nowait()
            if rate:
                await asyncio.sleep(max(0.0, started + k * BATCH / rate - time.monotonic()))
            webhook_id, stamp = f"msg_{uuid.uuid4().hex}", str(int(time.time()))
            headers = {
                "webhook-id": webhook_id,
                "webhook-timestamp": stamp,
                "webhook-signature": sign(partner["secret"], webhook_id, stamp, body),
                "content-type": "application/json",
            }
            response = await client.post(
                f"/v1/partners/{partner['id']}/events", content=body, headers=headers
            )
            assert response.status_code == 202, response.text

    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        await asyncio.gather(*(sender(client) for _ in range(concurrency)))
    return time.monotonic() - started


async def wait_final(dsn: str, total: int, timeout: float) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pending = await connection.fetchval(
                "SELECT count(*) FROM partner_events WHERE status = 'received'"
            )
            done = await connection.fetchval("SELECT count(*) FROM partner_events")
            if done == total and pending == 0:
                return
            await asyncio.sleep(0.5)
        raise TimeoutError(f"{pending} events still received after {timeout} s")
    finally:
        await connection.close()


async def latencies(dsn: str) -> tuple[list[float], dict[str, int], float]:
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            "SELECT extract(epoch FROM processed_at - received_at) AS s FROM partner_events WHERE processed_at IS NOT NULL"
        )
        statuses = dict(await connection.fetch("SELECT status, count(*) FROM partner_events GROUP BY status"))
        span = await connection.fetchval(
            "SELECT extract(epoch FROM max(processed_at) - min(received_at)) FROM partner_events"
        )
        return sorted(float(r["s"]) for r in rows), statuses, float(span)
    finally:
        await connection.close()


async def fold_the_rest(url: str, dsn: str, env: dict[str, str]) -> dict[str, object]:
    """Fold what the roll-up log still holds after the last credit (timed), then verify the roll-ups."""
    from service.city.rollups import fold
    from service.db.engine import Database
    from service.settings import load_settings

    connection = await asyncpg.connect(dsn)
    try:
        waiting = await connection.fetchval("SELECT count(*) FROM rollup_log")
    finally:
        await connection.close()
    database = Database.from_url(url)
    try:
        started = time.perf_counter()
        async with database.session() as session:
            await fold(session, load_settings().city)
            await session.commit()
        seconds = time.perf_counter() - started
    finally:
        await database.dispose()
    verify = subprocess.run([TANBI, "rollup", "verify"], env=env, capture_output=True, text=True)
    return {
        "waiting_after_last_credit": waiting,
        "fold_seconds": round(seconds, 2),
        "verify": "ok" if verify.returncode == 0 else verify.stdout[-2000:] + verify.stderr[-2000:],
    }


def percentile(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--subjects", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=4, help="batches in flight at once")
    parser.add_argument(
        "--rate", type=float, help="offer events at this many per second (default: as fast as accepted)"
    )
    parser.add_argument("--workers", type=int, default=1, help="`tanbi worker` processes")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database and the data folder afterwards"
    )
    args = parser.parse_args()

    url = await create_pg_database("tanbi_bench")
    queue = f"tanbi-bench:{uuid.uuid4().hex[:8]}"
    data = Path(os.environ.get("TMPDIR", "/tmp")) / f"tanbi-bench-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANBI_")}
    env |= {
        "TANBI_DATABASE_URL": url,
        "TANBI_REDIS_URL": redis_url(),
        "TANBI_JOBS__QUEUE_NAME": queue,
        "TANBI_DATA_DIR": str(data),
        "TANBI_DATABASE_POOL_SIZE": "20",
        **fresh_keys(dt.date.today()),  # production refuses to start without every key
    }
    port, processes = free_port(), []
    try:
        subprocess.run([TANBI, "migrate"], env=env, check=True, capture_output=True)
        partner = run_json(env, "partner", "add", "Bench Bus", "--methodologies", "bus_trip", "--json")
        await bind_subjects(url, partner["id"], args.subjects, env)
        bodies = batches(args.events, args.subjects)
        data.mkdir(parents=True, exist_ok=True)
        log = open(data / "processes.log", "w")  # noqa: SIM115
        processes.append(
            subprocess.Popen([TANBI, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
        )
        for _ in range(args.workers):
            processes.append(subprocess.Popen([TANBI, "worker"], env=env, stdout=log, stderr=log))
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        posting = await post_all(base, partner, bodies, args.concurrency, args.rate)
        dsn = asyncpg_dsn(sa.make_url(url))
        await wait_final(dsn, args.events, timeout=3600)
        values, statuses, span = await latencies(dsn)
        rollups = await fold_the_rest(url, dsn, env)
        verify = subprocess.run([TANBI, "ledger", "verify"], env=env, capture_output=True, text=True)
        print(
            json.dumps(
                {
                    "events": args.events,
                    "subjects": args.subjects,
                    "offered_rate": args.rate or "unpaced",
                    "statuses": statuses,
                    "posting_seconds": round(posting, 2),
                    "accepted_per_second": round(args.events / posting),
                    "first_receipt_to_last_final_seconds": round(span, 2),
                    "credited_per_second": round(statuses.get("credited", 0) / span),
                    "credited_per_second_rollups_included": round(
                        statuses.get("credited", 0) / (span + rollups["fold_seconds"])
                    ),
                    "workers": args.workers,
                    "rollups": rollups,
                    "receipt_to_final_p50_seconds": round(percentile(values, 50), 3),
                    "receipt_to_final_p99_seconds": round(percentile(values, 99), 3),
                    "ledger_verify": "ok" if verify.returncode == 0 else verify.stdout + verify.stderr,
                },
                indent=2,
            )
        )
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        if not args.keep:
            await drop_pg_database(url)
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
