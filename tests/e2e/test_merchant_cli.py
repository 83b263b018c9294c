"""Merchants and city staff as an operator sets them up: CLI keys, traded for tokens, used over HTTP."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx

from tests.e2e.test_cli import environment, run, serving


def test_cli_keys_work_end_to_end_on_the_embedded_default(tmp_path: Path) -> None:
    env = environment(tmp_path)
    assert run(env, "migrate").returncode == 0
    shop = json.loads(run(env, "merchant", "add", "Tea House", "--json").stdout)
    assert shop["api_key"].startswith("mk_")
    again = run(env, "merchant", "add", "Tea House", "--json")
    assert again.returncode != 0
    assert "exists" in again.stderr
    city = json.loads(run(env, "city-user", "add", "Planner", "--json").stdout)
    auditor = json.loads(run(env, "city-user", "add", "Checker", "--role", "auditor", "--json").stdout)
    assert (city["role"], auditor["role"]) == ("city", "auditor")

    with serving(env) as (base, _):

        def token(key: str) -> dict[str, str]:
            answer = httpx.post(f"{base}/v1/auth/api-key", json={"api_key": key})
            assert answer.status_code == 200, answer.text
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}

        bad = httpx.post(f"{base}/v1/auth/api-key", json={"api_key": "mk_not-a-real-key"})
        assert (bad.status_code, bad.json()["code"]) == (401, "invalid_api_key")
        now = dt.datetime.now(dt.UTC)
        offer = httpx.post(
            f"{base}/v1/merchant/offers",
            headers=token(shop["api_key"]),
            json={
                "title": "Oolong tea",
                "price": 5,
                "stock_total": 10,
                "valid_from": (now - dt.timedelta(hours=1)).isoformat(),
                "valid_until": (now + dt.timedelta(days=7)).isoformat(),
            },
        ).json()
        reviewed = {"revision": offer["revision"]}  # the city approves the revision it reviewed
        refused = httpx.post(
            f"{base}/v1/city/offers/{offer['id']}/approve", headers=token(auditor["api_key"]), json=reviewed
        )
        assert refused.status_code == 403
        approved = httpx.post(
            f"{base}/v1/city/offers/{offer['id']}/approve", headers=token(city["api_key"]), json=reviewed
        )
        assert approved.json()["approved"] is True
        resident = httpx.post(f"{base}/v1/auth/dev", json={"phone": "13900000901"}).json()
        listed = httpx.get(
            f"{base}/v1/offers", headers={"Authorization": f"Bearer {resident['access_token']}"}
        )
        assert offer["id"] in [o["id"] for o in listed.json()["items"]]


def test_rotate_key_and_profile_through_the_cli(tmp_path: Path) -> None:
    env = environment(tmp_path)
    assert run(env, "migrate").returncode == 0
    shop = json.loads(run(env, "merchant", "add", "Tea House", "--json").stdout)
    where = ("--address", "青年大道 1 号", "--lat", "29.25", "--lng", "115.8", "--category", "drinks")
    profile = run(
        env, "merchant", "profile", "Tea House", *where, "--image-url", "https://img.example.cn/t.jpg"
    )
    assert profile.returncode == 0, profile.stderr
    assert json.loads(profile.stdout)["location"] == {"lat": 29.25, "lng": 115.8}
    half = run(env, "merchant", "profile", str(shop["id"]), "--lat", "29.25")
    assert half.returncode != 0
    assert "latitude and longitude together" in half.stderr
    unknown = run(env, "merchant", "rotate-key", "No Such Shop")
    assert unknown.returncode != 0
    assert "no merchant" in unknown.stderr

    with serving(env) as (base, _):
        till = httpx.post(f"{base}/v1/auth/api-key", json={"api_key": shop["api_key"]}).json()
        seen = httpx.get(
            f"{base}/v1/merchant/profile", headers={"Authorization": f"Bearer {till['access_token']}"}
        ).json()
        assert (seen["address"], seen["category"]) == ("青年大道 1 号", "drinks")
        refreshed = httpx.post(f"{base}/v1/auth/refresh", json={"refresh_token": till["refresh_token"]})
        assert refreshed.status_code == 200, refreshed.text

        rotated = run(env, "merchant", "rotate-key", "Tea House")
        assert rotated.returncode == 0, rotated.stderr
        lines = dict(
            line.split(None, 1) for line in rotated.stdout.splitlines() if line.startswith(("id", "api_key"))
        )
        assert lines["id"] == str(shop["id"])
        assert lines["api_key"].startswith("mk_")
        assert "not shown again" in rotated.stdout
        old = httpx.post(f"{base}/v1/auth/api-key", json={"api_key": shop["api_key"]})
        assert (old.status_code, old.json()["code"]) == (401, "invalid_api_key")
        stale = httpx.post(
            f"{base}/v1/auth/refresh", json={"refresh_token": refreshed.json()["refresh_token"]}
        )
        assert (stale.status_code, stale.json()["code"]) == (401, "invalid_refresh_token")
        new = httpx.post(f"{base}/v1/auth/api-key", json={"api_key": lines["api_key"]})
        assert new.status_code == 200, new.text
