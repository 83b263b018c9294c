"""The city dashboard in a real browser: Debian's Chromium, headless, against ``tanbi serve --demo``.

What the charts drew (read back from ECharts) must be the city API's numbers, a suppressed group must be a
gap and never a number, and the page must not reach anything but the service. A screenshot is kept in
``test-artifacts/`` for a human to look at.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_cli import environment, serving

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Enough residents that some districts pass k = 10 this month and some do not.
RESIDENTS = 150

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        pytest.fail("CI needs Debian's chromium for the dashboard test (.ci/run installs it)")
    pytest.skip("no /usr/bin/chromium (apt-get install -y chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    data_dir = tmp_path_factory.mktemp("dashboard")
    with serving(environment(data_dir), residents=RESIDENTS, ready_within=240) as (base, _process):
        city = json.loads((data_dir / "demo-city.json").read_text())
        yield base, city["city_user"]["api_key"]


@pytest.fixture(scope="module")
def api(served) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """What the API says, asked directly (not through the page)."""
    base, key = served
    token = httpx.post(f"{base}/v1/auth/api-key", json={"api_key": key}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    summary = httpx.get(f"{base}/v1/city/summary", headers=headers).json()
    today = dt.date.fromisoformat(summary["today"])
    months = _last_months(today, 12)

    def reductions(first: str, group_by: str) -> dict[str, Any]:
        month_end = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        query = {"from": first, "to": month_end.isoformat(), "group_by": group_by}
        response = httpx.get(f"{base}/v1/city/reductions", params=query, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    return {
        "summary": summary,
        "months": months,
        "trend": reductions(f"{months[0]}-01", "month,family"),
        "districts": reductions(today.replace(day=1).isoformat(), "district"),
    }


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def open_page(browser, base: str, path: str):  # type: ignore[no-untyped-def]
    """A page whose every request off the service is refused and recorded, as are console errors."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # shorter than the page: a scrollbar
    page.outside, page.errors = [], []

    def route(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.url.startswith(base + "/"):
            route.continue_()
        else:
            page.outside.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(base + path)
    return page


def drawn(page, chart: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The option ECharts is drawing for one chart: its categories and each series' data."""
    return page.evaluate(
        """(name) => {
            const option = window.tanbiDashboard.charts[name].getOption();
            return {
                categories: option.xAxis ? option.xAxis[0].data : null,
                series: option.series.map((s) => ({
                    id: s.id, name: s.name, type: s.type,
                    data: s.data.map((d) => (d !== null && typeof d === "object" ? d.value : d)),
                })),
            };
        }""",
        chart,
    )


def test_the_charts_draw_the_city_apis_numbers_with_nothing_from_outside(browser, served, api) -> None:  # type: ignore[no-untyped-def]
    base, key = served
    page = open_page(browser, base, f"/dashboard#key={key}")
    page.wait_for_selector("body[data-ready='true']", state="attached", timeout=30_000)
    assert "#key" not in page.url  # the key does not stay in the address bar or history

    summary = api["summary"]
    tiles = {
        "total-grams": summary["to_date"]["grams"],
        "year-grams": summary["this_year"]["grams"],
        "total-actions": summary["to_date"]["actions"],
        "total-participants": summary["to_date"]["participants"],
        "total-coins": summary["coins"]["issued"],
    }
    for element, value in tiles.items():
        assert page.get_attribute(f"#{element}", "data-value") == str(value), element
    assert summary["to_date"]["grams"] > 0

    # The trend is by the plan's families, in the plan's order.
    trend = drawn(page, "trend")
    assert trend["categories"] == api["months"]
    cells = {(g["month"], g["family"]): g for g in api["trend"]["groups"]}
    assert {s["id"] for s in trend["series"]} == {m for _, m in cells}
    for series in trend["series"]:
        expected = [
            (None if cells[(month, series["id"])]["suppressed"] else cells[(month, series["id"])]["grams"])
            if (month, series["id"]) in cells
            else 0
            for month in api["months"]
        ]
        assert series["data"] == expected, series["id"]
    labels = {f["id"]: f"{f['zh']} {f['en']}" for f in summary["family_labels"]}
    assert [s["name"] for s in trend["series"]] == [labels[s["id"]] for s in trend["series"]]
    order = [f["id"] for f in summary["family_labels"]]
    assert [s["id"] for s in trend["series"]] == sorted((s["id"] for s in trend["series"]), key=order.index)

    families = drawn(page, "families")
    assert families["categories"] == order
    expected = [
        None if f["this_year"]["suppressed"] else f["this_year"]["grams"] for f in summary["families"]
    ]
    assert families["series"][0]["data"] == expected
    assert any(value for value in expected)
    note = page.text_content("#families-note") or ""
    for family in summary["families"]:
        assert ("●" if family["live"] else "○") + " " + labels[family["id"]] in note

    districts = drawn(page, "districts")
    groups = sorted(api["districts"]["groups"], key=lambda g: g["district"])
    assert districts["categories"] == [g["district"] for g in groups]
    assert districts["series"][0]["data"] == [None if g["suppressed"] else g["grams"] for g in groups]
    hidden = [g for g in groups if g["suppressed"]]
    assert all(g["grams"] is None for g in hidden)
    # Whatever the date (early in a month this month is thin), the two charts show some groups and
    # leave suppressed ones as gaps.
    both = [*api["trend"]["groups"], *groups]
    assert any(not g["suppressed"] and g["grams"] > 0 for g in both)
    assert any(g["suppressed"] for g in both)
    note = page.text_content("#districts-note") or ""
    assert all(d["en"] in note for d in summary["districts"] if d["code"] in {g["district"] for g in hidden})

    coins = drawn(page, "coins")
    kinds = ["issued", "redeemed", "expired", "outstanding"]
    assert coins["series"][0]["data"] == [summary["coins"][k] for k in kinds]

    gauges = drawn(page, "targets")
    assert [s["id"] for s in gauges["series"]] == [t["id"] for t in summary["targets"]]
    for series, target in zip(gauges["series"], summary["targets"], strict=True):
        assert series["type"] == "gauge"
        assert series["data"] == [min(100, round(target["progress"] * 100, 1))]

    # Every chart fills its panel and stays inside it (a canvas once widened its grid track).
    boxes = page.evaluate(
        """() => [...document.querySelectorAll(".chart")].map((node) => {
            const chart = node.getBoundingClientRect(), panel = node.parentElement.getBoundingClientRect();
            return {id: node.id, left: chart.left - panel.left, right: panel.right - chart.right,
                    share: chart.width / panel.width};
        })"""
    )
    for box in boxes:
        assert box["left"] >= 0, box
        assert box["right"] >= 0, box
        assert box["share"] > 0.9, box

    assert page.outside == []
    assert page.errors == []
    headers = httpx.get(f"{base}/dashboard").headers
    assert "default-src 'none'" in headers["content-security-policy"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000


def test_sign_in_refuses_a_wrong_key_then_takes_the_right_one(browser, served) -> None:  # type: ignore[no-untyped-def]
    base, key = served
    page = open_page(browser, base, "/dashboard")
    page.wait_for_selector("body[data-ready='sign-in']", state="attached")
    assert page.is_visible("#sign-in")
    assert not page.is_visible("#board")
    page.fill("#api-key", "ck_not-a-key")
    page.click("#sign-in button")
    page.wait_for_selector("#sign-in-error:not(:empty)")
    assert "not valid" in (page.text_content("#sign-in-error") or "")
    assert not page.is_visible("#board")
    page.fill("#api-key", key)
    page.click("#sign-in button")
    page.wait_for_selector("body[data-ready='true']", state="attached")
    assert page.is_visible("#board")
    assert not page.is_visible("#sign-in")
    assert page.get_attribute("#total-actions", "data-value") not in (None, "", "0")
    assert page.outside == []
    # the browser logs the refused sign-in (401) as a failed resource; nothing else may fail
    assert [e for e in page.errors if "401" not in e] == []


def _last_months(today: dt.date, count: int) -> list[str]:
    index = today.year * 12 + today.month - 1
    return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def test_the_api_docs_render_from_the_service_alone(browser, served) -> None:  # type: ignore[no-untyped-def]
    base, _key = served
    page = open_page(browser, base, "/schema/swagger")
    page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    assert "Tanbi" in (page.text_content(".swagger-ui .info .title") or "")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)  # the operations were drawn
    assert page.outside == []
    assert page.errors == []
