"""The TypeScript client and the mini-program, each under its own `npm test` against a live
`tanbi serve --demo` that its harness starts (clients/typescript/test/harness.ts). Installs are `npm ci` from
the committed lockfiles, inside each package: nothing global. The generated types must match the document
the service serves.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CLIENTS = Path(__file__).resolve().parents[2] / "clients"
TYPESCRIPT = CLIENTS / "typescript"
MINIPROGRAM = CLIENTS / "miniprogram"

if shutil.which("npm") is None or shutil.which("node") is None:
    pytest.fail("the clients' tests need Node 20+ and npm on PATH", pytrace=False)


def _environment(**extra: str) -> dict[str, str]:
    # The session's TANBI_ settings are the Python tests'; the clients' servers get their own.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANBI_")}
    bin_dir = Path(sys.executable).parent
    env.update(TANBI_BIN=str(bin_dir / "tanbi"), TANBI_PYTHON=sys.executable, **extra)
    return env


def _npm(package: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["npm", *args], cwd=package, env=env or _environment(), capture_output=True, text=True, timeout=600
    )


def _passed(result: subprocess.CompletedProcess[str]) -> None:
    if result.returncode != 0:
        pytest.fail(f"{' '.join(result.args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}")


@pytest.fixture(scope="module")
def installed() -> None:
    for package in (TYPESCRIPT, MINIPROGRAM):
        _passed(_npm(package, "ci", "--no-audit", "--no-fund"))


def _summary(output: str) -> dict[str, int]:
    counts = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "#" and parts[1] in {"tests", "pass", "fail"}:
            counts[parts[1]] = int(parts[2])
    return counts


def test_the_typescript_types_are_the_served_documents(installed: None) -> None:
    _passed(_npm(TYPESCRIPT, "run", "check-generated"))


def test_a_stale_type_file_fails_the_check(installed: None, tmp_path: Path) -> None:
    served = subprocess.run(
        [sys.executable, "-c", _DOCUMENT],
        cwd=CLIENTS.parent,
        env=_environment(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    document = json.loads(served)
    document["components"]["schemas"]["WalletOut"]["properties"]["pending"] = {"type": "integer"}
    changed = tmp_path / "openapi.json"
    changed.write_text(json.dumps(document))
    result = _npm(TYPESCRIPT, "run", "check-generated", env=_environment(TANBI_OPENAPI=str(changed)))
    assert result.returncode != 0
    assert "src/schema.d.ts is stale" in result.stderr


def test_the_typescript_client(installed: None) -> None:
    result = _npm(TYPESCRIPT, "test")
    _passed(result)
    counts = _summary(result.stdout)
    assert counts.get("fail") == 0
    assert counts.get("pass", 0) >= 38


def test_the_mini_program(installed: None) -> None:
    result = _npm(MINIPROGRAM, "test")
    _passed(result)
    counts = _summary(result.stdout)
    assert counts.get("fail") == 0
    assert counts.get("pass", 0) >= 46


_DOCUMENT = """
import json, sys
from service.app import create_app
from service.http.contract import apply
from service.settings import Settings
app = create_app(Settings())
json.dump(apply(app.openapi_schema.to_schema(), app), sys.stdout)
"""
