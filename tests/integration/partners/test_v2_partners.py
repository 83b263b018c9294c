"""Methodologies v2 at the partner boundary: identifiers hashed by Tanbi before anything is stored (one plate
from two partners is one car), a solar report without gec_issued_kwh refused, and PV systems recorded from
the installer's register through its signed route."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from methodologies._sdk import HASHED
from service.actions.models import Action, Asset
from service.partners.admin import add_partner
from service.partners.crypto import SecretBox
from service.partners.models import PartnerEvent
from tests.integration.actions.conftest import PV_SYSTEM
from tests.integration.partners.conftest import Signer, drain

YESTERDAY = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).astimezone(dt.timezone(dt.timedelta(hours=8)))


async def _partner(app, database, name: str, methodologies: list[str]) -> Signer:  # type: ignore[no-untyped-def]
    services = app.state.services
    box = SecretBox(services.settings.auth.secrets_key.get_secret_value())
    async with database.session() as session:
        created = await add_partner(session, box, services.registry, name, methodologies)
    return Signer(created.id, created.secret)


async def _resident_bound(client, signer: Signer, subject: str, phone: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    token = (await signer.post(client, "/link-tokens", {"subject": subject})).json()["token"]
    login = (await client.post("/v1/auth/dev", json={"phone": phone})).json()
    me = {"Authorization": f"Bearer {login['access_token']}"}
    assert (await client.post("/v1/me/bindings", json={"token": token}, headers=me)).status_code == 201
    return me


def _parked(plate: str) -> dict[str, Any]:
    return {
        "plate": plate,
        "fuel": "gasoline",
        "date": YESTERDAY.date().isoformat(),
        "odometer_start_km": "48210.4",
        "odometer_end_km": "48210.4",
        "prior_daily_km": ["22.4"] * 40,
    }


def _event(event_id: str, kind: str, subject: str, occurred: dt.datetime, evidence: dict[str, Any]) -> dict:  # type: ignore[type-arg]
    return {
        "id": event_id,
        "type": kind,
        "subject": subject,
        "occurred_at": occurred.isoformat(),
        "evidence": evidence,
    }


async def test_one_plate_reported_by_two_partners_is_one_car_and_never_stored(client, app, database) -> None:  # type: ignore[no-untyped-def]
    insurer = await _partner(app, database, "Motor insurer", ["car_free_day"])
    parking = await _partner(app, database, "Parking operator", ["car_free_day"])
    await _resident_bound(client, insurer, "policy-1", "13800000901")
    await _resident_bound(client, parking, "member-7", "13800000902")
    noon = dt.datetime.combine(YESTERDAY.date(), dt.time(12), YESTERDAY.tzinfo)
    # The same car, its plate written two ways.
    first = await insurer.post(
        client, "/events", {"events": [_event("i-1", "car_free_day", "policy-1", noon, _parked("赣G 12345"))]}
    )
    second = await parking.post(
        client, "/events", {"events": [_event("p-1", "car_free_day", "member-7", noon, _parked("赣g-12345"))]}
    )
    assert first.json()["events"][0]["status"] == second.json()["events"][0]["status"] == "accepted"
    await drain(app)
    credited = (await insurer.get(client, "/events/i-1")).json()
    refused = (await parking.get(client, "/events/p-1")).json()
    assert (credited["status"], credited["grams"]) == ("credited", 3393)
    assert (refused["status"], refused["reasons"]) == ("rejected", ["duplicate_evidence"])
    async with database.session() as session:
        stored = [e.evidence["plate"] for e in await session.scalars(sa.select(PartnerEvent))]
        actions = [a.evidence["plate"] for a in await session.scalars(sa.select(Action))]
    assert len(set(stored)) == 1
    assert all(HASHED.match(plate) for plate in stored + actions)
    assert all("12345" not in plate for plate in stored + actions)


async def test_a_pre_hashed_identifier_is_refused(client, app, database) -> None:  # type: ignore[no-untyped-def]
    insurer = await _partner(app, database, "Motor insurer", ["car_free_day"])
    noon = dt.datetime.combine(YESTERDAY.date(), dt.time(12), YESTERDAY.tzinfo)
    forged = _parked("hk1:" + "0" * 64)
    answer = await insurer.post(
        client, "/events", {"events": [_event("f-1", "car_free_day", "x", noon, forged)]}
    )
    ack = answer.json()["events"][0]
    assert ack["status"] == "invalid"
    assert ack["errors"][0]["key"] == "evidence.plate"


async def test_solar_needs_the_installers_record_and_a_stated_gec(client, app, database) -> None:  # type: ignore[no-untyped-def]
    installer = await _partner(app, database, "PV installer", ["rooftop_solar"])
    bus_company = await _partner(app, database, "Bus company", ["bus_trip"])
    record = {"subject": "customer-9", "attributes": PV_SYSTEM}
    refused = await bus_company.put(client, "/assets/pv_system/PV-77", record)
    assert (refused.status_code, refused.json()["code"]) == (403, "methodology_not_granted")
    pending = await installer.put(client, "/assets/pv_system/PV-77", record)
    assert pending.status_code == 200, pending.text
    assert pending.json()["owner_bound"] is False
    again = await installer.put(client, "/assets/pv_system/PV-77", record)
    assert again.json() == pending.json()
    bad = await installer.put(
        client, "/assets/pv_system/PV-78", {"subject": "c", "attributes": {"capacity_kwp": -1}}
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_asset")

    me = await _resident_bound(client, installer, "customer-9", "13800000903")
    async with database.session() as session:
        asset = await session.scalar(sa.select(Asset).where(Asset.ref == "PV-77"))
        assert (asset.source, asset.resident_id is not None) == ("partner", True)
    declared = await client.post(
        "/v1/me/assets", json={"kind": "pv_system", "ref": "PV-79", "attributes": PV_SYSTEM}, headers=me
    )
    assert (declared.status_code, declared.json()["code"]) == (403, "asset_registered_by_partner")

    end = dt.datetime.combine(YESTERDAY.date(), dt.time(0), YESTERDAY.tzinfo)
    reading = {
        "system_id": "PV-77",
        "period_start": (end - dt.timedelta(days=1)).isoformat(),
        "period_end": end.isoformat(),
        "energy_kwh": "12.5",
    }
    without_gec = await installer.post(
        client, "/events", {"events": [_event("g-1", "rooftop_solar", "customer-9", end, reading)]}
    )
    ack = without_gec.json()["events"][0]
    assert ack["status"] == "invalid"
    assert ack["errors"][0]["key"] == "evidence.gec_issued_kwh"
    stated = reading | {"gec_issued_kwh": "0"}
    accepted = await installer.post(
        client, "/events", {"events": [_event("g-2", "rooftop_solar", "customer-9", end, stated)]}
    )
    assert accepted.json()["events"][0]["status"] == "accepted"
    await drain(app)
    status = (await installer.get(client, "/events/g-2")).json()
    assert (status["status"], status["grams"]) == ("credited", 6588)  # 12.5 kWh x 527.1 g/kWh
