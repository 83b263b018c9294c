"""City-query benchmark: millions of credited actions, then the city's two hot reads, timed.

    .venv/bin/python bench/city.py --actions 5000000 --residents 200000

Creates a fresh PostgreSQL database (from TANBI_TEST_DATABASE_URL, default postgres@127.0.0.1:5432),
migrates it, and loads with set-based SQL what the credit path writes for that many accepted actions over
one year (actions with their district and local time, wallet and issuance balances) and the roll-ups
those actions add up to (counters, member sets of every period kind, participant counts), exactly as
``tanbi rollup rebuild`` would count them. Then times, in the service's own code with a real session, the
publication of the city's grid (``publish()``, what the job does every 5 minutes: every cell, its
suppression and the exact audit) and the reads from it: ``reductions(group_by=month,methodology)`` over
the full year and ``summary()``; prints p50/p95/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures.databases import create_pg_database, drop_pg_database, migrate  # noqa: E402

YEAR = 2026
DISTRICTS = ("chashan", "ganlu", "jiangyi", "jinhu", "sujiadang", "zequan", "unknown")
# Share of actions per scenario, roughly what a city's partners would report.
METHODOLOGIES = (
    "bus_trip",
    "bus_trip",
    "bus_trip",
    "metro_trip",
    "bike_share_ride",
    "bike_share_ride",
    "ev_charging",
    "car_free_day",
    "rooftop_solar",
)

LOAD = [
    """INSERT INTO residents (phone_hash, district, created_at)
       SELECT 'bench-' || n, (CAST(:districts AS text[]))[1 + n % 7], now() FROM generate_series(1, :residents) AS n""",
    # One accepted action per row: local times spread over the year, grams as the methodologies give.
    """INSERT INTO actions (resident_id, methodology_id, family, code_version, params_version, params_hash,
                           source_key, occurred_at, evidence, status, reasons, grams, coins, remainder_grams,
                           grams_per_coin, breakdown, context, district, created_at)
       SELECT r, m, CASE WHEN m IN ('bus_trip', 'metro_trip', 'bike_share_ride') THEN 'public_transport'
                         WHEN m = 'ev_charging' THEN 'new_energy_vehicles'
                         WHEN m = 'car_free_day' THEN 'fuel_car_parked'
                         ELSE 'low_carbon_community' END,
              '2.0.0', 2, 'bench', 'bench:' || n, at, '{}'::jsonb, 'accepted', '[]'::jsonb,
              g, g / 10, g % 10, 10, '{}'::jsonb, '{}'::jsonb, (CAST(:districts AS text[]))[1 + r % 7], at
       FROM (SELECT n, 1 + (n * 7919) % :residents AS r, (CAST(:methodologies AS text[]))[1 + n % 9] AS m,
                    make_timestamptz(:year, 1, 1, 0, 0, 0, 'Asia/Shanghai')
                      + ((n * 104729) % (365 * 86400)) * interval '1 second' AS at,
                    200 + (n * 31) % 4000 AS g
             FROM generate_series(1::bigint, :actions) AS n) AS s""",
    """INSERT INTO accounts (kind, code, owner_id, resident_id, balance, held, created_at)
       SELECT 'wallet', 'wallet:' || resident_id, resident_id, resident_id, sum(coins), 0, now()
       FROM actions GROUP BY resident_id""",
    """INSERT INTO accounts (kind, code, owner_id, resident_id, balance, held, created_at)
       SELECT 'issuance', 'issuance', NULL, tanbi_shard_anchor('issuance'), -sum(coins), 0, now()
       FROM actions""",
    """INSERT INTO rollup_counters (day, methodology_id, district, shard, grams, actions, coins)
       SELECT (occurred_at AT TIME ZONE 'Asia/Shanghai')::date, methodology_id, district, 0,
              sum(grams), count(*), sum(coins)
       FROM actions GROUP BY 1, 2, 3""",
    # Members of every period kind, per methodology and district and with '*' for all of either. The
    # primary key is dropped for the load and built once afterwards (one sort instead of ~50 million
    # index insertions); the day members are grouped once and the longer periods built from them. Rows go
    # in key order: the service writes a period's members as the period passes, so they sit together on
    # disk; a hash-ordered bulk load would scatter them and time a layout production never has.
    "ALTER TABLE rollup_members DROP CONSTRAINT pk_rollup_members",
    """CREATE UNLOGGED TABLE bench_days AS
       SELECT (occurred_at AT TIME ZONE 'Asia/Shanghai')::date AS day, methodology_id AS m, district AS d,
              resident_id AS r, count(*) AS n
       FROM actions GROUP BY 1, 2, 3, 4
       UNION ALL
       SELECT (occurred_at AT TIME ZONE 'Asia/Shanghai')::date, 'family:' || family, district, resident_id,
              count(*)
       FROM actions GROUP BY 1, 2, 3, 4""",
    *(
        f"""INSERT INTO rollup_members (kind, period, methodology_id, district, resident_id, actions)
       SELECT '{kind}', {period}, v.m, v.d, b.r, sum(b.n)
       FROM bench_days AS b
       CROSS JOIN LATERAL (VALUES (b.m, b.d), (b.m, '*'), ('*', b.d), ('*', '*')) AS v(m, d)
       WHERE NOT (b.m LIKE 'family:%' AND v.m = '*')
       GROUP BY 2, 3, 4, 5 ORDER BY 2, 3, 4, 5"""  # noqa: S608 (constants of this file, not input)
        for kind, period in (
            ("d", "b.day"),
            ("w", "b.day - (extract(isodow FROM b.day)::int - 1)"),
            ("m", "date_trunc('month', b.day)::date"),
            ("y", "date_trunc('year', b.day)::date"),
            ("a", "DATE '2000-01-01'"),
        )
    ),
    "DROP TABLE bench_days",
    """ALTER TABLE rollup_members ADD CONSTRAINT pk_rollup_members
       PRIMARY KEY (kind, period, methodology_id, district, resident_id)""",
    """INSERT INTO rollup_participants (kind, period, methodology_id, district, shard, participants)
       SELECT kind, period, methodology_id, district, 0, count(*) FROM rollup_members
       GROUP BY 1, 2, 3, 4""",
    "ANALYZE",
]


async def load(url: str, actions: int, residents: int) -> dict[str, float]:
    from service.db.engine import Database

    database = Database.from_url(url)
    params = {
        "districts": list(DISTRICTS),
        "methodologies": list(METHODOLOGIES),
        "residents": residents,
        "actions": actions,
        "year": YEAR,
    }
    timings = {}
    async with database.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(sa.text("SET maintenance_work_mem = '1GB'"))
        await connection.execute(sa.text("SET work_mem = '256MB'"))
        await connection.execute(sa.text("SET synchronous_commit = off"))
        for statement in LOAD:
            started = time.perf_counter()
            used = {k: v for k, v in params.items() if f":{k}" in statement}
            await connection.execute(sa.text(statement), used)
            timings[f"{len(timings) + 1}: {' '.join(statement.split()[:4])}"] = round(
                time.perf_counter() - started, 1
            )
            print(timings, file=sys.stderr, flush=True)
    await database.dispose()
    return timings


async def time_queries(url: str, repeat: int, only: str = "") -> dict[str, dict[str, float]]:
    from service.city.reductions import reductions
    from service.city.summary import summary
    from service.db.engine import Database
    from service.methodology.registry import load_registry
    from service.settings import Settings

    settings, registry = Settings(), load_registry()
    families = registry.families()
    database = Database.from_url(url)
    today, now = dt.date(YEAR, 12, 31), dt.datetime(YEAR, 12, 31, 12, tzinfo=dt.UTC)
    year = (dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31))
    queries = {
        "reductions month,methodology full year": lambda s: reductions(
            s, *year, ["month", "methodology"], families
        ),
        "reductions month,family full year": lambda s: reductions(s, *year, ["month", "family"], families),
        "summary": lambda s: summary(s, settings.city, registry, today, now),
        "reductions month,methodology,district full year": lambda s: reductions(
            s, *year, ["month", "methodology", "district"], families
        ),
        "reductions day,district full year": lambda s: reductions(s, *year, ["day", "district"], families),
    }
    out = {"publish": await _time_publication(database, settings.city.k_anonymity, families, now)}
    for name, query in queries.items():
        if only not in name:
            continue
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            async with database.session() as session:  # a session per request, as the API does
                await query(session)
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        out[name] = {
            "runs": len(samples),
            "p50_ms": round(statistics.median(samples), 1),
            "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 1),
            "p99_ms": round(samples[max(0, int(len(samples) * 0.99) - 1)], 1),
        }
        print(name, out[name], file=sys.stderr, flush=True)
    await database.dispose()
    return out


async def _time_publication(database, k: int, families, now) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """The job's cost: three publications, each in its own transaction, as the worker runs them."""
    from service.city.publication import publish
    from service.settings import CitySettings

    samples = []
    for _ in range(3):
        async with database.session() as session:
            published = await publish(
                session, CitySettings().model_copy(update={"k_anonymity": k}), families, now
            )
            await session.commit()
        samples.append(published.seconds)
        print("publish", published, file=sys.stderr, flush=True)
    return {
        "runs": 3,
        "median_s": round(statistics.median(samples), 2),
        "cells": published.cells,
        "hidden": published.hidden,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--actions", type=int, default=5_000_000)
    parser.add_argument("--residents", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", metavar="URL", help="time the queries on a database a --keep run left")
    parser.add_argument(
        "--only", metavar="TEXT", default="", help="time only the queries whose name has TEXT"
    )
    args = parser.parse_args()
    if args.reuse:
        print(json.dumps({"queries": await time_queries(args.reuse, args.repeat, args.only)}, indent=2))
        return
    url = await create_pg_database("tanbi_city_bench")
    print(f"database: {url}", file=sys.stderr)
    try:
        await migrate(url)
        started = time.perf_counter()
        loaded = await load(url, args.actions, args.residents)
        load_seconds = round(time.perf_counter() - started, 1)
        timings = await time_queries(url, args.repeat, args.only)
        print(
            json.dumps(
                {
                    "actions": args.actions,
                    "residents": args.residents,
                    "load_seconds": load_seconds,
                    "load_steps": loaded,
                    "queries": timings,
                },
                indent=2,
            )
        )
    finally:
        if not args.keep:
            await drop_pg_database(url)


if __name__ == "__main__":
    asyncio.run(main())
