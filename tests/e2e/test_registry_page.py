"""The public registry in a real browser (Debian's Chromium): the demo city's issued batch, its holders and
its retirement as the API has them, a certificate page and its PDF, and a serial checked on the page; the
page reaches nothing but the service. The demo needs its full 2,000 residents for a tonne of solar."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_cli import environment, run, serving
from tests.e2e.test_dashboard import ARTIFACTS, CHROMIUM, open_page, sync_api

RESIDENTS = 2000


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    data_dir = tmp_path_factory.mktemp("registry")
    with serving(environment(data_dir), residents=RESIDENTS, ready_within=300) as (base, _process):
        yield base, data_dir


@pytest.fixture(scope="module")
def record(served) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    served, _ = served
    batches = httpx.get(f"{served}/v1/registry/batches").json()
    retirements = httpx.get(f"{served}/v1/registry/retirements").json()
    assert batches, "the demo city has an issued batch"
    assert retirements, "and a retirement"
    return {"batch": batches[0], "retirement": retirements[0]}


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


def test_the_registry_page_shows_the_apis_record(browser, served, record) -> None:  # type: ignore[no-untyped-def]
    served, _ = served
    batch, retired = record["batch"], record["retirement"]
    assert batch["status"] == "issued"
    assert batch["verification"]["outcome"] == "passed"
    page = open_page(browser, served, "/registry")
    page.wait_for_selector("#batches tbody tr")
    cells = page.locator("#batches tbody tr").first.locator("td").all_inner_texts()
    assert cells[0] == f"B{batch['id']}"
    assert batch["first_serial"] in cells[6]
    assert cells[7].replace("\n", "") == batch["manifest_sha256"]
    page.wait_for_selector("#retirements tbody tr")
    assert retired["beneficiary"] in page.locator("#retirements").inner_text()
    holders = page.locator("#accounts").inner_text()
    assert "江西某钢铁有限公司（演示）" in holders
    response = httpx.get(f"{served}/registry")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert page.outside == []
    assert page.errors == []


def test_a_certificate_page_its_pdf_and_a_serial_check(browser, served, record) -> None:  # type: ignore[no-untyped-def]
    served, _ = served
    retired = record["retirement"]
    page = open_page(browser, served, f"/registry/retirements/{retired['id']}")
    page.wait_for_selector("#certificate-panel:not([hidden])")
    facts = page.locator("#certificate").inner_text()
    for value in (
        retired["beneficiary"],
        retired["purpose"],
        retired["first_serial"],
        f"{retired['units']} tCO2e",
    ):
        assert value in facts
    href = page.locator("#certificate-pdf").get_attribute("href")
    pdf = httpx.get(served + href)
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")

    page.fill("#serial", retired["first_serial"])
    page.click("#check button[type=submit]")
    page.wait_for_selector("#check-result:not(:empty)")
    assert page.locator("#check-result").inner_text().startswith("有效")
    tampered = retired["first_serial"][:-2] + f"{(int(retired['first_serial'][-2:]) + 1) % 100:02d}"
    page.fill("#serial", tampered)
    page.click("#check button[type=submit]")
    page.wait_for_selector("#check-result.error")
    assert page.locator("#check-result").inner_text() == "序列号格式或校验位不正确"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(Path(ARTIFACTS) / "registry.png"), full_page=True)
    assert page.outside == []
    # The browser logs the refused lookup itself; nothing else went wrong.
    assert [e for e in page.errors if "status of 422" not in e] == []


def test_tanbi_registry_verify_holds_on_the_demo_and_catches_a_broken_seal(served) -> None:  # type: ignore[no-untyped-def]
    _base, data_dir = served
    env = environment(data_dir)
    verified = run(env, "registry", "verify", "--json")
    assert verified.returncode == 0, verified.stdout
    report = json.loads(verified.stdout)
    assert report["ok"]
    assert report["batches"] >= 1
    with sqlite3.connect(data_dir / "tanbi.db") as connection:
        connection.execute("UPDATE credit_batches SET manifest_sha256 = 'forged' WHERE id = 1")
    broken = run(env, "registry", "verify")
    assert broken.returncode == 1
    assert "batch 1" in broken.stdout
    assert "MISMATCH" in broken.stdout
