"""Processes the benchmarks start: stopped so that they clean up, their logs, their readiness."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
CHILD_GRACE_SECONDS = 120  # a child benchmark stops its servers and drops its database in this time


class PartFailed(RuntimeError):
    pass


def log(message: str) -> None:
    print(f"[ratios {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


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


def free_port() -> int:
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
