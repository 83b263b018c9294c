"""A batch signed with the SDK is credited end to end on the embedded default (a real `tanbi serve`)."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import httpx
from tanbi_client import Client, Event

from tests.e2e.test_cli import environment, serving


def test_sdk_batch_is_credited_on_the_embedded_default(tmp_path: Path) -> None:
    env = environment(tmp_path)
    with serving(env) as (base, _process):
        partner = json.loads((tmp_path / "demo-partners.json").read_text())["bus_trip"]
        start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
        evidence = {
            "boarded_at": start.isoformat(),
            "alighted_at": (start + dt.timedelta(minutes=35)).isoformat(),
            "distance_m": 12_400,
        }
        with Client(base, partner["id"], partner["secret"]) as sdk:
            token = sdk.create_link_token("card-e2e").token
            login = httpx.post(f"{base}/v1/auth/dev", json={"phone": "13800000999"}).json()
            bound = httpx.post(
                f"{base}/v1/me/bindings",
                json={"token": token},
                headers={"Authorization": f"Bearer {login['access_token']}"},
            )
            assert bound.status_code == 201
            ack = sdk.send_events(
                [Event(id="e2e-1", type="bus_trip", subject="card-e2e", occurred_at=start, evidence=evidence)]
            )
            assert ack.events[0].status == "accepted"
            deadline = time.monotonic() + 20
            while (status := sdk.event_status("e2e-1")).status == "received" and time.monotonic() < deadline:
                time.sleep(0.2)
            assert (status.status, status.grams, status.coins) == ("credited", 333, 33)
