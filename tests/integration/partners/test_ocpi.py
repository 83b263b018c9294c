"""OCPI 2.2.1 CDRs: the specification's example CDR is credited once, and its credit CDR reverses it."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import sqlalchemy as sa

from service.ledger.models import Account
from service.ledger.verify import verify_ledger
from service.partners.admin import add_partner
from service.partners.crypto import SecretBox
from tests.integration.partners.conftest import Signer, drain

EXAMPLE = Path(__file__).parents[2] / "fixtures" / "data" / "ocpi-2.2.1-cdr_example.json"


def _moved(value: str, shift: dt.timedelta) -> str:
    return (dt.datetime.fromisoformat(value.replace("Z", "+00:00")) + shift).isoformat()


def example_cdr() -> dict:  # type: ignore[type-arg]
    """The spec's example as published, with its 2015 dates moved to three hours ago (duration kept)."""
    cdr = json.loads(EXAMPLE.read_text())
    start = dt.datetime.fromisoformat(cdr["start_date_time"].replace("Z", "+00:00"))
    shift = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)) - start
    for key in ("start_date_time", "end_date_time", "last_updated"):
        cdr[key] = _moved(cdr[key], shift)
    for period in cdr.get("charging_periods", []):
        period["start_date_time"] = _moved(period["start_date_time"], shift)
    return cdr


async def _cpo(app, database, vehicle_kind: str | None = "private_car"):  # type: ignore[no-untyped-def]
    """A charge-point operator that states its users' tokens charge private cars (CDRs do not say)."""
    services = app.state.services
    box = SecretBox(services.settings.auth.secrets_key.get_secret_value())
    async with database.session() as session:
        return await add_partner(
            session,
            box,
            services.registry,
            f"BE-BEC CPO ({vehicle_kind})",
            ["ev_charging"],
            ocpi=True,
            ocpi_vehicle_kind=vehicle_kind,
        )


async def _bound(client, created, subject: str, phone: str) -> None:  # type: ignore[no-untyped-def]
    signer = Signer(created.id, created.secret)
    token = (await signer.post(client, "/link-tokens", {"subject": subject})).json()["token"]
    login = (await client.post("/v1/auth/dev", json={"phone": phone})).json()
    resident = {"Authorization": f"Bearer {login['access_token']}"}
    assert (await client.post("/v1/me/bindings", json={"token": token}, headers=resident)).status_code == 201


async def test_example_cdr_credited_once_and_reversed_by_its_credit_cdr(client, app, database) -> None:  # type: ignore[no-untyped-def]
    created = await _cpo(app, database)
    path = f"/v1/partners/{created.id}/ocpi/2.2.1/cdrs"
    auth = {"Authorization": "Token " + base64.b64encode(created.ocpi_token.encode()).decode()}
    cdr = example_cdr()
    signer = Signer(created.id, created.secret)
    await _bound(client, created, cdr["cdr_token"]["uid"], "13800000555")

    first = await client.post(path, json=cdr, headers=auth)
    again = await client.post(path, json=cdr, headers=auth)
    assert first.status_code == 200, first.text
    assert first.json()["status_code"] == 1000
    assert first.json()["data"] == {"id": "BE*BEC*12345", "status": "accepted"}
    assert again.json()["data"] == first.json()["data"]
    await drain(app)
    status = (await signer.get(client, "/events/BE*BEC*12345")).json()
    # 15.342 kWh under ev_charging 2.0.0 (7161 g under 1.0.0's factors).
    assert (status["status"], status["grams"], status["coins"]) == ("credited", 6387, 638)

    credit = cdr | {
        "id": "12345-credit",
        "credit": True,
        "credit_reference_id": "12345",
        "total_energy": -15.342,
    }
    reversed_ = await client.post(path, json=credit, headers=auth)
    assert reversed_.status_code == 200, reversed_.text
    assert (await client.post(path, json=credit, headers=auth)).json()["data"] == reversed_.json()["data"]
    async with database.session() as session:
        balances = dict((await session.execute(sa.select(Account.code, Account.balance))).all())
        assert sum(b for code, b in balances.items() if code.startswith("wallet:")) == 0
        assert (await verify_ledger(session)).ok


async def test_ocpi_needs_the_partners_token_and_a_whole_cdr(client, app, database) -> None:  # type: ignore[no-untyped-def]
    created = await _cpo(app, database)
    path = f"/v1/partners/{created.id}/ocpi/2.2.1/cdrs"
    for headers in ({}, {"Authorization": "Token nope"}, {"Authorization": f"Bearer {created.ocpi_token}"}):
        response = await client.post(path, json=example_cdr(), headers=headers)
        assert (response.status_code, response.json()["code"]) == (401, "bad_token")
    partial = await client.post(
        path, json={"id": "x"}, headers={"Authorization": f"Token {created.ocpi_token}"}
    )
    assert (partial.status_code, partial.json()["code"]) == (422, "invalid_cdr")


async def test_a_cdr_of_an_operator_stating_no_vehicle_kind_is_not_eligible(client, app, database) -> None:  # type: ignore[no-untyped-def]
    created = await _cpo(app, database, vehicle_kind=None)
    cdr = example_cdr()
    await _bound(client, created, cdr["cdr_token"]["uid"], "13800000556")
    auth = {"Authorization": "Token " + base64.b64encode(created.ocpi_token.encode()).decode()}
    accepted = await client.post(f"/v1/partners/{created.id}/ocpi/2.2.1/cdrs", json=cdr, headers=auth)
    assert accepted.json()["data"]["status"] == "accepted"
    await drain(app)
    status = (await Signer(created.id, created.secret).get(client, "/events/BE*BEC*12345")).json()
    assert (status["status"], status["reasons"], status["grams"]) == ("rejected", ["not_eligible"], 0)
