"""Rate limits count the real client (issue 13): a rotating X-Forwarded-For from a local client used to give
every sign-in a fresh address, because uvicorn trusts proxy headers from 127.0.0.1 by default. No proxy is
trusted unless TANBI_FORWARDED_ALLOW_IPS names it."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.e2e.test_cli import environment, serving


def _sign_ins(base: str) -> list[int]:
    return [
        httpx.post(
            f"{base}/v1/auth/dev",
            json={"phone": f"1380000{n:04d}"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
            timeout=10,
        ).status_code
        for n in range(5)
    ]


def test_forwarded_for_is_not_believed_by_default(tmp_path: Path) -> None:
    env = environment(tmp_path) | {"TANBI_RATE_LIMITS__SIGN_IN": "3"}
    with serving(env, demo=False) as (base, _process):
        assert _sign_ins(base) == [200, 200, 200, 429, 429]


def test_a_named_proxy_is_believed(tmp_path: Path) -> None:
    env = environment(tmp_path) | {
        "TANBI_RATE_LIMITS__SIGN_IN": "3",
        "TANBI_FORWARDED_ALLOW_IPS": "127.0.0.1",
    }
    with serving(env, demo=False) as (base, _process):
        assert _sign_ins(base) == [200] * 5  # five clients behind the proxy, one sign-in each
