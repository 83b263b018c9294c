"""Redemption benchmark: voucher claims on a few hot offers and pay-code charges against PostgreSQL.

    .venv/bin/python bench/redeem.py --requests 20000 --workers 2            # through the HTTP API
    .venv/bin/python bench/redeem.py --requests 20000 --workers 2 --direct   # the service code, no HTTP

Starts `tanbi serve` (``--workers`` API processes) against a fresh PostgreSQL database (from
TANBI_TEST_DATABASE_URL, default postgres@127.0.0.1:5432), seeds residents with coins, one merchant, a few
approved hot offers whose stock is smaller than the claims aimed at them, and one pay-code per charge.
Then fires claims and charges, half each, from ``--concurrency`` connections (with ``--direct``: that many
tasks in each of ``--workers`` processes calling the redemption code, each in its own transaction, so the
figure is the database path without the HTTP stack and its client), and prints successful
redemptions/s, p50/p99 latency, how many claims found the offers sold out, whether any stock was oversold,
and whether `tanbi ledger verify` passes afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.keys.generate import fresh_keys  # noqa: E402
from tests.fixtures.databases import create_pg_database, drop_pg_database, redis_url  # noqa: E402

TANBI = str(Path(sys.executable).parent / "tanbi")
COINS_EACH = 10_000
PRICE = 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def seed(url: str, residents: int, offers: int, stock: int, charges: int) -> dict:  # type: ignore[type-arg]
    """Residents with coins, a merchant, approved offers and pay-codes, straight through the service code."""
    from service.db.base import utcnow
    from service.db.engine import Database
    from service.db.registry import metadata
    from service.identity.principal import Principal, Role
    from service.identity.tokens import TokenService, hash_token
    from service.ledger.service import Credit, IssueMode, Ledger
    from service.merchants.models import Merchant, Offer, PayCode
    from service.settings import load_settings

    metadata()  # every model mapped, so foreign keys resolve
    settings = load_settings()
    database = Database.from_url(url)
    now = utcnow()
    async with database.session() as session:
        rows = await session.execute(
            sa.text(
                "INSERT INTO residents (phone_hash, created_at) "
                "SELECT 'bench-' || n, now() FROM generate_series(1, :n) AS n RETURNING id"
            ),
            {"n": residents},
        )
        ids = [r[0] for r in rows]
        for start in range(0, len(ids), 2000):
            credits = [Credit(r, COINS_EACH, f"bench-fund:{r}") for r in ids[start : start + 2000]]
            await Ledger(session, settings.ledger, settings.zone).issue(credits, mode=IssueMode.FRESH)
        merchant = Merchant(name="Bench Tea", api_key_hash=hash_token(secrets.token_hex(8)), created_at=now)
        session.add(merchant)
        await session.flush()
        offer_ids = []
        for n in range(offers):
            offer = Offer(
                merchant_id=merchant.id,
                title=f"Hot offer {n}",
                description="",
                price=PRICE,
                stock_total=stock,
                stock_left=stock,
                per_resident_limit=1000,
                valid_from=now - dt.timedelta(hours=1),
                valid_until=now + dt.timedelta(days=1),
                active=True,
                approved_at=now,
                approved_by="bench",
                created_at=now,
                updated_at=now,
            )
            session.add(offer)
            await session.flush()
            offer_ids.append(offer.id)
        codes = []
        for _ in range(charges):
            code, resident = "pc_" + secrets.token_urlsafe(18), random.choice(ids)
            codes.append(code)
            session.add(
                PayCode(
                    code_hash=hash_token(code),
                    resident_id=resident,
                    expires_at=now + dt.timedelta(hours=1),
                    created_at=now,
                )
            )
        await session.commit()
    await database.dispose()
    tokens = TokenService(settings.auth)
    late = utcnow()
    resident_tokens = {r: tokens.issue_access(Principal(str(r), Role.RESIDENT), late) for r in ids}
    merchant_token = tokens.issue_access(Principal(str(merchant.id), Role.MERCHANT), late)
    return {
        "residents": resident_tokens,
        "merchant": merchant_token,
        "merchant_id": merchant.id,
        "offers": offer_ids,
        "codes": codes,
    }


async def fire(base: str, world: dict, requests: int, concurrency: int) -> dict:  # type: ignore[type-arg]
    residents = list(world["residents"].items())
    plan = [("claim", n) if n % 2 == 0 else ("charge", n) for n in range(requests)]
    random.shuffle(plan)
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    queue: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
    for item in plan:
        queue.put_nowait(item)
    codes = iter(world["codes"])

    async def one(client: httpx.AsyncClient, kind: str, n: int) -> None:
        if kind == "claim":
            _, token = random.choice(residents)
            body = {"offer_id": random.choice(world["offers"])}
            path = "/v1/me/vouchers"
        else:
            token = world["merchant"]
            body = {"paycode": next(codes), "amount": 5, "idempotency_key": f"bench:{n}"}
            path = "/v1/merchant/charges"
        started = time.perf_counter()
        response = await client.post(path, json=body, headers={"authorization": f"Bearer {token}"})
        latencies.append(time.perf_counter() - started)
        code = (
            "ok"
            if response.status_code in (200, 201)
            else response.json().get("code", str(response.status_code))
        )
        key = f"{kind}:{code}"
        outcomes[key] = outcomes.get(key, 0) + 1

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            kind, n = queue.get_nowait()
            await one(client, kind, n)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return summarise(elapsed, outcomes, sorted(latencies), requests)


def ms(values: list[float], quantile: float) -> float:
    """The ``quantile`` of sorted ``values`` (seconds) in milliseconds."""
    return round(1000 * values[min(len(values) - 1, int(len(values) * quantile))], 1)


def summarise(elapsed: float, outcomes: dict[str, int], latencies: list[float], requests: int) -> dict:  # type: ignore[type-arg]
    succeeded = outcomes.get("claim:ok", 0) + outcomes.get("charge:ok", 0)
    return {
        "seconds": round(elapsed, 2),
        "outcomes": outcomes,
        "redemptions_per_second": round(succeeded / elapsed),
        "requests_per_second": round(requests / elapsed),
        "latency_p50_ms": ms(latencies, 0.5),
        "latency_p99_ms": ms(latencies, 0.99),
    }


def plan(world: dict, requests: int) -> list[tuple[str, object]]:  # type: ignore[type-arg]
    residents, codes = list(world["residents"]), iter(world["codes"])
    items: list[tuple[str, object]] = []
    for n in range(requests):
        if n % 2 == 0:
            items.append(("claim", (random.choice(residents), random.choice(world["offers"]))))
        else:
            items.append(("charge", (next(codes), f"bench:{n}")))
    random.shuffle(items)
    return items


async def direct_worker(url: str, merchant: int, items: list, concurrency: int) -> tuple[list, dict]:  # type: ignore[type-arg]
    from service.db.base import utcnow
    from service.db.engine import Database
    from service.db.registry import metadata
    from service.errors import DomainError
    from service.merchants import paycodes, vouchers
    from service.settings import load_settings

    metadata()
    settings = load_settings()
    # A redemption runs on the engine's driver pool (service/db/driver_pool.py), which is half the engine's
    # pool: twice ``concurrency`` gives every task its own connection, so ``concurrency`` redemptions are in
    # flight at once as the docstring says (with half, half the tasks queued for a connection in the client).
    database = Database.from_url(url, pool_size=2 * concurrency)
    timings: list[tuple[str, float, float]] = []  # (kind, start, end) on the wall clock
    outcomes: dict[str, int] = {}
    queue: asyncio.Queue = asyncio.Queue()  # type: ignore[type-arg]
    for item in items:
        queue.put_nowait(item)

    async def one(kind: str, args: tuple) -> None:  # type: ignore[type-arg]
        started = time.time()
        async with database.sessions() as session:  # no transaction opened: a redemption is one statement
            try:
                if kind == "claim":
                    await vouchers.claim(session, settings, args[0], args[1], utcnow())
                else:
                    await paycodes.charge(session, settings, merchant, args[0], 5, args[1], utcnow())
                await session.commit()
                code = "ok"
            except DomainError as refused:
                await session.rollback()
                code = refused.code
        timings.append((kind, started, time.time()))
        outcomes[f"{kind}:{code}"] = outcomes.get(f"{kind}:{code}", 0) + 1

    async def worker() -> None:
        while not queue.empty():
            kind, args = queue.get_nowait()
            await one(kind, args)

    async with database.session() as session:  # connect before the clock starts
        await session.execute(sa.text("SELECT 1"))
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    await database.dispose()
    return timings, outcomes


def _direct_process(args: tuple) -> tuple[list, dict]:  # type: ignore[type-arg]
    # The event loop the API processes run on: uvicorn picks uvloop when it is installed.
    try:
        import uvloop
    except ImportError:
        return asyncio.run(direct_worker(*args))
    return uvloop.run(direct_worker(*args))


async def fire_direct(url: str, world: dict, requests: int, workers: int, concurrency: int) -> dict:  # type: ignore[type-arg]
    import multiprocessing

    items = plan(world, requests)
    slices = [items[k::workers] for k in range(workers)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers) as pool:
        parts = pool.map(_direct_process, [(url, world["merchant_id"], part, concurrency) for part in slices])
    timings = [t for part, _ in parts for t in part]
    # From the first redemption's start to the last one's end: process start-up is not counted.
    elapsed = max(end for _, _, end in timings) - min(start for _, start, _ in timings)
    latencies = sorted(end - start for _, start, end in timings)
    by_kind = {
        kind: sorted(end - start for k, start, end in timings if k == kind) for kind in ("claim", "charge")
    }
    outcomes: dict[str, int] = {}
    for _, part in parts:
        for key, count in part.items():
            outcomes[key] = outcomes.get(key, 0) + count
    return summarise(elapsed, outcomes, latencies, requests) | {
        f"{kind}_p50_p99_ms": [ms(v, 0.5), ms(v, 0.99)] for kind, v in by_kind.items() if v
    }


async def oversold(url: str) -> dict:  # type: ignore[type-arg]
    from service.db.engine import Database

    database = Database.from_url(url)
    async with database.session() as session:
        rows = await session.execute(
            sa.text(
                "SELECT o.id, o.stock_total, o.stock_left, count(v.id) FROM offers o "
                "LEFT JOIN vouchers v ON v.offer_id = o.id AND v.status IN ('held', 'consumed') "
                "GROUP BY o.id ORDER BY o.id"
            )
        )
        offers = [{"id": i, "stock": t, "left": left, "vouchers": v} for i, t, left, v in rows]
    await database.dispose()
    bad = [
        o
        for o in offers
        if o["left"] < 0 or o["vouchers"] != o["stock"] - o["left"] or o["vouchers"] > o["stock"]
    ]
    return {"offers": offers, "oversold": bool(bad)}


def start_server(env: dict[str, str], data: Path, port: int, workers: int) -> subprocess.Popen:  # type: ignore[type-arg]
    data.mkdir(parents=True, exist_ok=True)
    log = open(data / "serve.log", "w")  # noqa: SIM115
    command = [TANBI, "serve", "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    for _ in range(150):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    return server


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--residents", type=int, default=5_000)
    parser.add_argument("--offers", type=int, default=4, help="hot offers the claims spread over")
    parser.add_argument("--stock", type=int, default=2_000, help="stock of each offer (less than the claims)")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2, help="API processes")
    parser.add_argument("--direct", action="store_true", help="call the redemption code, not the HTTP API")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database and the data folder afterwards"
    )
    args = parser.parse_args()

    url = await create_pg_database("tanbi_bench")
    data = Path(os.environ.get("TMPDIR", "/tmp")) / f"tanbi-redeem-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANBI_")}
    env |= {
        "TANBI_DATABASE_URL": url,
        "TANBI_REDIS_URL": redis_url(),
        "TANBI_JOBS__QUEUE_NAME": f"tanbi-bench:{uuid.uuid4().hex[:8]}",
        "TANBI_DATA_DIR": str(data),
        "TANBI_DATABASE_POOL_SIZE": "20",
        **fresh_keys(dt.date.today()),  # production refuses to start without every key
        "TANBI_RATE_LIMITS__CHARGES": str(10**9),
        "TANBI_RATE_LIMITS__PAYCODES": str(10**9),
    }
    os.environ.update({k: v for k, v in env.items() if k.startswith("TANBI_")})
    port, server = free_port(), None
    try:
        subprocess.run([TANBI, "migrate"], env=env, check=True, capture_output=True)
        world = await seed(url, args.residents, args.offers, args.stock, args.requests // 2 + 1)
        if args.direct:
            result = await fire_direct(url, world, args.requests, args.workers, args.concurrency)
        else:
            server = start_server(env, data, port, args.workers)
            result = await fire(f"http://127.0.0.1:{port}", world, args.requests, args.concurrency)
        verify = subprocess.run([TANBI, "ledger", "verify"], env=env, capture_output=True, text=True)
        stock = await oversold(url)
        summary = {
            "mode": "direct" if args.direct else "http",
            "requests": args.requests,
            "workers": args.workers,
            "concurrency": args.concurrency,
            **result,
            "oversold": stock["oversold"],
            "offers": stock["offers"],
            "ledger_verify": "ok" if verify.returncode == 0 else verify.stdout + verify.stderr,
        }
        print(json.dumps(summary, indent=2))
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        if not args.keep:
            await drop_pg_database(url)
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
