"""The registry over HTTP on both databases: the city's operations, the verifier's check, the public record,
the certificate, and who may do what."""

from __future__ import annotations

import hashlib

from service.identity.principal import Role
from service.methodology.params import ParamService
from service.registry.check_digits import check_digits
from service.registry.verify import verify_registry
from tests.integration.registry.conftest import charged, consenting, conservative_ev, march


async def _pooled(database, settings, registry) -> int:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        version = await conservative_ev(session, registry)
        await charged(
            session, settings, registry, await consenting(session), [march(d) for d in range(1, 15)]
        )
        await session.commit()
    return version


async def test_from_project_to_retirement_over_http(client, database, settings, registry, bearer) -> None:  # type: ignore[no-untyped-def]
    version = await _pooled(database, settings, registry)
    city, verifier = bearer(Role.CITY, "1"), bearer(Role.VERIFIER, "7")
    project = await client.post(
        "/v1/registry/projects",
        json={
            "methodology_id": "ev_charging",
            "name": "新能源汽车充电减排项目",
            "registry_name": "Tanbi registry",
            "buffer_share": "0.3",
            "eligible_params_versions": [version],
        },
        headers=city,
    )
    assert project.status_code == 201, project.text
    period = {
        "project_id": project.json()["id"],
        "vintage": 2026,
        "period_start": "2026-01-01",
        "period_end": "2026-03-31",
    }
    batch = (await client.post("/v1/registry/batches", json=period, headers=city)).json()
    assert batch["status"] == "draft"
    assert batch["first_serial"] is None
    manifest = await client.get(f"/v1/registry/batches/{batch['id']}/manifest.csv", headers=verifier)
    assert hashlib.sha256(manifest.content).hexdigest() == batch["manifest_sha256"]
    assert manifest.text.count("\n") == batch["actions"] + 1

    refused = await client.post(f"/v1/registry/batches/{batch['id']}/verify", json={}, headers=city)
    assert refused.status_code == 403
    too_early = await client.post(f"/v1/registry/batches/{batch['id']}/verify", json={}, headers=verifier)
    assert too_early.json()["code"] == "wrong_batch_status"
    assert (await client.post(f"/v1/registry/batches/{batch['id']}/submit", headers=city)).status_code == 200
    verified = (
        await client.post(
            f"/v1/registry/batches/{batch['id']}/verify", json={"sample_size": 4}, headers=verifier
        )
    ).json()
    assert verified["status"] == "verified"
    assert verified["verification"]["outcome"] == "passed"
    issued = (await client.post(f"/v1/registry/batches/{batch['id']}/issue", headers=city)).json()
    assert issued["status"] == "issued"
    assert issued["first_serial"].startswith(f"TB-GQC-ev_charging-2026-B{batch['id']}-0000001-")

    buyer = (
        await client.post("/v1/registry/buyers", json={"name": "江西某钢铁有限公司"}, headers=city)
    ).json()
    sale = await client.post(
        "/v1/registry/sales",
        json={
            "batch_id": batch["id"],
            "units": 2,
            "buyer_id": buyer["id"],
            "price_per_tonne": "43.50",
            "exchange_reference": "CEEX-1",
        },
        headers=city,
    )
    assert sale.status_code == 201, sale.text
    assert sale.json()["first_serial"] == issued["first_serial"]
    assert sale.json()["details"]["price_per_tonne"] == "43.50"
    retirement = await client.post(
        "/v1/registry/retirements",
        json={
            "batch_id": batch["id"],
            "units": 1,
            "holder_id": buyer["id"],
            "beneficiary": "江西某钢铁有限公司",
            "purpose": "2026 年度碳中和",
        },
        headers=city,
    )
    assert retirement.status_code == 201, retirement.text
    retired = retirement.json()
    assert retired["first_serial"] == issued["first_serial"]
    assert retired["page_url"].endswith(f"/registry/retirements/{retired['id']}")

    holders = {a["name"]: a["units"] for a in (await client.get("/v1/registry/accounts")).json()}
    assert holders["江西某钢铁有限公司"] == 1
    assert holders["已注销 Retired"] == 1
    assert holders["共青城市"] == issued["units"] - 2
    blocks = (await client.get(f"/v1/registry/batches/{batch['id']}/blocks")).json()
    assert sum(b["units"] for b in blocks) == issued["units"] + issued["buffer_units"]
    assert {b["holder_kind"] for b in blocks} <= {"city", "buyer", "buffer", "retirement"}
    kinds = [o["kind"] for o in (await client.get(f"/v1/registry/batches/{batch['id']}/operations")).json()]
    assert kinds == ["issue", "issue", "transfer", "retire"]

    check = (await client.get(f"/v1/registry/serials/{retired['first_serial']}")).json()
    assert check["holder_kind"] == "retirement"
    assert check["retirement"]["id"] == retired["id"]
    pdf = await client.get(f"/v1/registry/retirements/{retired['id']}/certificate.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    async with database.session() as session:
        assert (await verify_registry(session)).ok


async def test_serial_checks(client, database, settings, registry) -> None:  # type: ignore[no-untyped-def]
    body = "TB-GQC-ev_charging-2026-B999-0000001"
    unknown = await client.get(f"/v1/registry/serials/{body}-{check_digits(body)}")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "serial_not_found"
    wrong = f"{int(check_digits(body)) + 1:02d}"[-2:]
    tampered = await client.get(f"/v1/registry/serials/{body}-{wrong}")
    assert tampered.status_code == 422
    assert tampered.json()["code"] == "invalid_serial"
    assert (await client.get("/v1/registry/serials/not-a-serial")).json()["code"] == "invalid_serial"


async def test_only_the_city_runs_the_registry(client, bearer) -> None:  # type: ignore[no-untyped-def]
    resident = bearer(Role.RESIDENT, "1")
    for path in (
        "/v1/registry/projects",
        "/v1/registry/batches",
        "/v1/registry/buyers",
        "/v1/registry/sales",
    ):
        answer = await client.post(path, json={}, headers=resident)
        assert answer.status_code == 403, path
        assert answer.json()["code"] == "wrong_role"
    assert (await client.post("/v1/registry/buyers", json={"name": "x"})).json()["code"] == "missing_token"
    assert (await client.get("/v1/registry/projects")).status_code == 200


async def test_not_tradable_and_not_conservative_projects_are_refused(
    client, database, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    city = bearer(Role.CITY, "1")
    base = {"name": "x", "registry_name": "y", "buffer_share": "0.1", "eligible_params_versions": [1]}
    car_free = await client.post(
        "/v1/registry/projects", json={**base, "methodology_id": "car_free_day"}, headers=city
    )
    assert car_free.json()["code"] == "not_tradable"
    async with database.session() as session:
        await ParamService(session, registry=registry).ensure_defaults(registry.current("bus_trip"))
        await session.commit()
    default = await client.post(
        "/v1/registry/projects", json={**base, "methodology_id": "bus_trip"}, headers=city
    )
    assert default.json()["code"] == "not_conservative"
    missing = await client.post(
        "/v1/registry/projects",
        json={**base, "methodology_id": "bus_trip", "eligible_params_versions": [99]},
        headers=city,
    )
    assert missing.json()["code"] == "invalid_params_versions"


async def test_solar_is_tradable_only_where_green_certificates_are_subtracted(
    client, database, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        solar = registry.current("rooftop_solar")
        params = ParamService(session, registry=registry)
        await params.ensure_defaults(solar, params.lineage(solar))
        versions = {row.version: row.code_version for row in await params.versions(solar)}
        await session.commit()
    old = next(v for v, code in versions.items() if code.startswith("1."))
    base = {"methodology_id": "rooftop_solar", "name": "x", "registry_name": "y", "buffer_share": "0.1"}
    answer = await client.post(
        "/v1/registry/projects",
        json={**base, "eligible_params_versions": [old]},
        headers=bearer(Role.CITY, "1"),
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "no_green_certificate_check"
