"""``tanbi serve --workers 2``: whichever process a scrape reaches, /metrics counts every process's
requests (prometheus_client's multiprocess mode, PROMETHEUS_MULTIPROC_DIR), and the database's figures
agree too."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from prometheus_client.mmap_dict import MmapedDict

from tests.conftest import TEST_ATTESTATION_KEYS
from tests.integration.metrics.conftest import samples, value

TANBI = str(Path(sys.executable).parent / "tanbi")
TOKEN = "e2e-metrics-token"
FRESH = {"Connection": "close"}  # a new connection per request, so the processes share the requests
ROUTES = ("/healthz", "/schema/openapi.json")


def _environment(data_dir: Path, database_url: str, multiproc_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANBI_")}
    pem = TEST_ATTESTATION_KEYS["test-a1"].get_secret_value()
    return env | {
        "TANBI_DATA_DIR": str(data_dir),
        "TANBI_DATABASE_URL": database_url,
        # Every process must share one set of keys (production refuses to generate its own).
        "TANBI_AUTH__JWT_KEYS": json.dumps({"k1": "e2e-metrics-signing-key-" + "x" * 32}),
        "TANBI_AUTH__HASH_KEY": "e2e-metrics-hash-key",
        "TANBI_AUTH__SECRETS_KEY": "e2e-metrics-secrets-key",
        "TANBI_ATTESTATIONS__KEYS": json.dumps({"a1": pem}),
        "TANBI_METRICS__TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc_dir),
    }


@contextmanager
def _two_processes(env: dict[str, str], port: int, log: Path) -> Iterator[str]:
    """``tanbi serve --workers 2`` on ``port`` for the duration (its output in ``log``)."""
    with log.open("w") as sink:
        process = subprocess.Popen(
            [TANBI, "serve", "--workers", "2", "--port", str(port)], env=env, stdout=sink, stderr=sink
        )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


async def _ready(http: httpx.AsyncClient, base: str) -> bool:
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        try:
            if (await http.get(f"{base}/readyz", timeout=2)).status_code == 200:
                return True
        except httpx.HTTPError:
            await asyncio.sleep(0.2)
    return False


def _counts_by_process(folder: Path) -> dict[str, float]:
    """pid -> the requests (of ROUTES) it answered, read from each process's own counter file."""
    counts: dict[str, float] = {}
    for path in folder.glob("counter_*.db"):
        for key, count, _stamp, _pos in MmapedDict.read_all_values_from_file(str(path)):
            _metric, name, labels, _help = json.loads(key)
            if name == "tanbi_http_requests_total" and labels.get("route") in ROUTES:
                pid = path.stem.removeprefix("counter_")
                counts[pid] = counts.get(pid, 0) + count
    return counts


async def test_every_process_answers_the_sum_of_all(tmp_path: Path, pg_url: str) -> None:
    from tests.e2e.test_cli import free_port

    folder = tmp_path / "prometheus"
    env = _environment(tmp_path, pg_url, folder)
    log = tmp_path / "serve.log"
    with _two_processes(env, free_port(), log) as base:
        async with httpx.AsyncClient() as http:
            assert await _ready(http, base), "tanbi serve --workers 2 did not get ready (see serve.log)"
            await _scrapes_agree(http, base, folder)


async def _scrapes_agree(http: httpx.AsyncClient, base: str, folder: Path) -> None:
    sent = await _health_checks_on_both_processes(http, base, folder)
    scraped = []
    for _ in range(6):
        response = await http.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"} | FRESH)
        assert response.status_code == 200, response.text
        scraped.append(samples(response.text))
    totals = [sum(_value(found, route) for route in ROUTES) for found in scraped]
    assert totals == [sent] * 6
    assert len({value(found, "tanbi_outbox_backlog") for found in scraped}) == 1


def _value(found: dict, route: str) -> float:  # type: ignore[type-arg]
    return value(found, "tanbi_http_requests_total", route=route, method="GET", status="2xx") or 0


async def _health_checks_on_both_processes(http: httpx.AsyncClient, base: str, folder: Path) -> int:
    """Requests until both processes have answered some; how many were sent.

    A process accepts every connection waiting when it wakes, so a burst can land on one. The first
    OpenAPI document a process is asked for takes it a while to build, with its loop busy: requests sent
    meanwhile, a little apart, are accepted by the other."""
    sent = 0
    for _round in range(20):
        replies = []
        for _ in range(5):
            replies.append(asyncio.create_task(http.get(f"{base}/schema/openapi.json", headers=FRESH)))
            await asyncio.sleep(0.05)
        replies += [asyncio.create_task(http.get(f"{base}/healthz", headers=FRESH)) for _ in range(5)]
        assert {r.status_code for r in await asyncio.gather(*replies)} == {200}
        sent += len(replies)
        if len(_counts_by_process(folder)) >= 2:
            break
    by_process = await _settled(folder, sent)
    assert len(by_process) == 2, by_process
    assert sum(by_process.values()) == sent
    return sent


async def _settled(folder: Path, sent: int) -> dict[str, float]:
    """The counts once every request is counted: a request is counted after its last byte is sent."""
    for _ in range(50):
        by_process = _counts_by_process(folder)
        if sum(by_process.values()) >= sent:
            break
        await asyncio.sleep(0.05)
    return by_process
