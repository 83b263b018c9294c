"""The city's reads and the public registry served from a real streaming replica, with the lag shown.

The test setup starts its own pair of PostgreSQL 15 clusters (a primary and a streaming replica made by
pg_basebackup, on two free ports, as the postgres user), so the machine's cluster is left as it is. Replay
is paused on the replica to prove where an answer came from: the primary moves on, the answer does not,
until replay resumes."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from service.app import create_app
from service.db.engine import Database
from service.identity.principal import Principal, Role
from service.identity.tokens import TokenService
from service.methodology.registry import load_registry
from service.services import start_services, stop_services
from tests.conftest import make_settings
from tests.e2e.test_cli import free_port
from tests.fixtures.databases import migrate
from tests.integration.city.conftest import published, trips

BIN = Path("/usr/lib/postgresql/15/bin")

if not (BIN / "pg_basebackup").exists() or shutil.which("runuser") is None or os.geteuid() != 0:
    if os.environ.get("CI") == "true":
        pytest.fail("the replica test needs PostgreSQL 15's server binaries, runuser and root")
    pytest.skip("no PostgreSQL 15 server binaries or not root", allow_module_level=True)


def _as_postgres(*args: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True)


def _start(data: Path, port: int) -> None:
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    _as_postgres(str(BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(data / "log"), "-w", "start")


@pytest.fixture(scope="module")
def clusters() -> Iterator[tuple[str, str]]:
    """(primary URL, replica URL) of database ``tanbi`` on a fresh primary and its streaming replica."""
    root = Path(tempfile.mkdtemp(prefix="tanbi-replica-"))
    shutil.chown(root, "postgres")
    primary, replica = root / "primary", root / "replica"
    ports = free_port(), free_port()
    started = []
    try:
        _as_postgres(str(BIN / "initdb"), "-D", str(primary), "-A", "trust", "-U", "postgres", "--no-sync")
        with (primary / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        _start(primary, ports[0])
        started.append(primary)
        _as_postgres(str(BIN / "createdb"), "-h", "127.0.0.1", "-p", str(ports[0]), "-U", "postgres", "tanbi")
        _as_postgres(
            str(BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(ports[0]), "-U", "postgres",
            "-D", str(replica), "-R", "-X", "stream", "--no-sync", "--checkpoint=fast",
        )  # fmt: skip
        _start(replica, ports[1])
        started.append(replica)
        yield tuple(f"postgresql+asyncpg://postgres@127.0.0.1:{p}/tanbi" for p in ports)  # type: ignore[misc]
    finally:
        for data in reversed(started):
            subprocess.run(
                [
                    "runuser",
                    "-u",
                    "postgres",
                    "--",
                    str(BIN / "pg_ctl"),
                    "-D",
                    str(data),
                    "-m",
                    "immediate",
                    "stop",
                ],
                capture_output=True,
            )
        shutil.rmtree(root, ignore_errors=True)


async def _caught_up(replica: Database, query: str, expected: object, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            async with replica.sessions() as session:
                if await session.scalar(sa.text(query)) == expected:
                    return
        except sa.exc.DBAPIError:
            pass  # the table is not replicated yet
        if time.monotonic() > deadline:
            raise AssertionError(f"the replica did not show {query} = {expected!r}")
        await asyncio.sleep(0.1)


async def _replay(replica: Database, paused: bool) -> None:
    async with replica.sessions() as session:
        await session.execute(
            sa.text("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")
        )


async def test_city_reads_come_from_the_replica_with_its_lag(clusters, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    registry = load_registry()
    primary_url, replica_url = clusters
    await migrate(primary_url)
    settings = make_settings(tmp_path, primary_url, database_read_url=replica_url)
    primary, replica = Database.from_url(primary_url), Database.from_url(replica_url)
    today = dt.date.today()
    try:
        for _ in range(12):
            async with primary.session() as session:
                await trips(session, settings, registry, "jinhu", [today])
        await published(primary, settings, registry)
        published_rows = "SELECT count(*) FROM city_publications"
        async with primary.sessions() as session:
            first = await session.scalar(sa.text(published_rows))
        await _caught_up(replica, published_rows, first)

        app = create_app(settings, periodic=False)
        app.state.services = await start_services(settings, periodic=False)
        token = TokenService(settings.auth).issue_access(Principal("1", Role.CITY), dt.datetime.now(dt.UTC))
        headers = {"Authorization": f"Bearer {token}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tanbi.test") as client:
            before = await client.get("/v1/city/summary", headers=headers)
            assert before.status_code == 200, before.text
            assert float(before.headers["x-replica-lag-seconds"]) >= 0
            actions = before.json()["to_date"]["actions"]
            assert actions == 12

            await _replay(replica, paused=True)
            for _ in range(12):
                async with primary.session() as session:
                    await trips(session, settings, registry, "ganlu", [today])
            await published(primary, settings, registry)
            await asyncio.sleep(1.2)  # past the lag reader's one-second cache
            behind = await client.get("/v1/city/summary", headers=headers)
            assert behind.json()["to_date"]["actions"] == actions  # the replica's view, not the primary's
            assert float(behind.headers["x-replica-lag-seconds"]) > 0
            registry_answer = await client.get("/v1/registry/projects")
            assert "x-replica-lag-seconds" in registry_answer.headers
            ready = (await client.get("/readyz")).json()
            assert ready["checks"]["replica"] == "ok"
            assert ready["replica_lag_seconds"] > 0

            await _replay(replica, paused=False)
            async with primary.sessions() as session:
                now_published = await session.scalar(sa.text(published_rows))
            await _caught_up(replica, published_rows, now_published)
            await asyncio.sleep(1.2)
            caught_up = await client.get("/v1/city/summary", headers=headers)
            assert caught_up.json()["to_date"]["actions"] == 24
            assert float(caught_up.headers["x-replica-lag-seconds"]) == 0
        await stop_services(app.state.services)
    finally:
        await primary.dispose()
        await replica.dispose()
