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
# Read at import, before tests/conftest.py cleans the session's environment of TANBI_ variables.
ARTIFACTS_TO = os.environ.get("TANBI_ARTIFACTS")
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
        "projects": httpx.get(f"{base}/v1/welfare-projects").json()["items"],
    }


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def open_page(browser, base: str, path: str, viewport: tuple[int, int] = (1280, 900)):  # type: ignore[no-untyped-def]
    """A page whose every request off the service is refused and recorded, as are console errors."""
    width, height = viewport  # the default is shorter than the page: a scrollbar
    page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
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
    kinds = ["issued", "redeemed", "expired", "donated", "outstanding"]
    assert coins["series"][0]["data"] == [summary["coins"][k] for k in kinds]

    # The public-welfare panel: each of the demo's projects, raised and goal as the API says them.
    shown = page.evaluate(
        """() => [...document.querySelectorAll("#welfare-list li")].map((li) =>
            [li.id, li.dataset.raised, li.dataset.goal, li.querySelector("progress").value])"""
    )
    assert shown == [
        [
            f"project-{p['id']}",
            str(p["raised_coins"]),
            str(p["goal_coins"]),
            min(p["raised_coins"], p["goal_coins"]),
        ]
        for p in api["projects"]
    ]
    assert len(shown) == 3
    assert any(p["raised_coins"] > 0 for p in api["projects"])

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


PHONE = (390, 844)
# Every element with text of its own whose text overflows its box (scrollWidth past clientWidth, or the
# text's own rectangle past the element's), outside the tables' scrolling boxes.
CLIPPED = """() => {
    const out = [];
    for (const node of document.querySelectorAll("body *")) {
        if (node.closest(".table-box") || !node.getClientRects().length) continue;
        const own = [...node.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim());
        if (!own) continue;
        const box = node.getBoundingClientRect();
        const range = document.createRange();
        range.selectNodeContents(node);
        const text = range.getBoundingClientRect();
        const style = getComputedStyle(node);
        if (style.display === "none" || style.visibility === "hidden") continue;
        if (node.scrollWidth > node.clientWidth + 1 && style.overflowX !== "visible" && node.clientWidth) {
            out.push({tag: node.tagName, id: node.id, text: node.textContent.slice(0, 40), why: "scroll"});
        } else if (text.right > box.right + 1 || text.left < box.left - 1 || text.right > innerWidth) {
            out.push({tag: node.tagName, id: node.id, text: node.textContent.slice(0, 40), why: "overflow"});
        }
    }
    return out;
}"""
# Text colour against the background it is drawn on (the first opaque one up the tree), WCAG's formula.
CONTRAST = """() => {
    const rgb = (value) => value.match(/[\\d.]+/g).map(Number);
    const linear = (c) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
    const lum = ([r, g, b]) => [r, g, b].map(linear)
        .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
    const background = (node) => {
        for (; node; node = node.parentElement) {
            const c = rgb(getComputedStyle(node).backgroundColor);
            if (c.length < 4 || c[3] > 0) return c;
        }
        return [255, 255, 255];
    };
    const out = [];
    for (const node of document.querySelectorAll("body *")) {
        if (!node.getClientRects().length || getComputedStyle(node).display === "none") continue;
        if (![...node.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim())) continue;
        const [a, b] = [lum(rgb(getComputedStyle(node).color)), lum(background(node))];
        const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        const text = node.textContent.slice(0, 30);
        if (ratio < 4.5) out.push({tag: node.tagName, id: node.id, text, ratio});
    }
    return out;
}"""


def _artifact(page, tmp_path: Path, name: str) -> Path:  # type: ignore[no-untyped-def]
    """The full-page screenshot, in the test's tmp dir and in TANBI_ARTIFACTS (or test-artifacts/)."""
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    folder = Path(ARTIFACTS_TO) if ARTIFACTS_TO else ARTIFACTS
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(shot.read_bytes())
    return shot


@pytest.mark.parametrize("language", ["zh", "en"])
def test_on_a_phone_nothing_overlaps_or_is_clipped(
    browser, served, api, tmp_path: Path, language: str
) -> None:  # type: ignore[no-untyped-def]
    base, key = served
    page = open_page(browser, base, "/dashboard", PHONE)
    if language == "en":
        page.click("#language")
    page.evaluate(f"sessionStorage.setItem('tanbi.cityKey', {json.dumps(key)})")
    page.reload()
    page.wait_for_selector("body[data-ready='true']", state="attached", timeout=30_000)
    assert page.get_attribute("html", "lang") == ("zh-CN" if language == "zh" else "en")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]  # no sideways scrolling

    boxes = page.evaluate(
        """() => [...document.querySelectorAll(".chart")].map((n) => {
            const r = n.getBoundingClientRect();
            return {id: n.id, left: r.left, top: r.top, right: r.right, bottom: r.bottom};
        })"""
    )
    assert len(boxes) == 5
    for n, a in enumerate(boxes):
        assert a["left"] >= 0, a
        assert a["right"] <= PHONE[0], a
        for b in boxes[n + 1 :]:
            apart = (
                a["right"] <= b["left"]
                or b["right"] <= a["left"]
                or a["bottom"] <= b["top"]
                or b["bottom"] <= a["top"]
            )
            assert apart, (a, b)
    # The gauges stack on a phone (side by side they overlapped), and each is its own row.
    assert page.evaluate("window.tanbiGauges") == {"columns": 1, "rows": len(api["summary"]["targets"])}
    # Every bar keeps its category label (none dropped for room), coins included.
    labels = page.evaluate(
        """() => Object.fromEntries(["families", "districts", "coins"].map((name) => {
            const axis = window.tanbiDashboard.charts[name].getModel().getComponent("xAxis", 0).axis;
            return [name, [axis.getViewLabels().length, axis.scale.count()]];
        }))"""
    )
    for name, (shown, categories) in labels.items():
        # Just after midnight on the first of a month this month has no district yet: an empty axis.
        assert shown == (categories if categories > 0 else 0), name
    assert drawn(page, "coins")["series"][0]["data"] == [
        api["summary"]["coins"][k] for k in ("issued", "redeemed", "expired", "donated", "outstanding")
    ]
    assert page.evaluate(CLIPPED) == []
    assert page.evaluate(CONTRAST) == []

    # Beijing time beside the city's date, and tonnes with two decimals.
    as_of = page.text_content("#as-of") or ""
    assert "北京时间" in as_of
    assert "Beijing time (UTC+8)" in as_of
    made = dt.datetime.fromisoformat(api["summary"]["as_of"]).astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert made.strftime("%Y-%m-%d") in as_of
    year = page.text_content("#year-grams") or ""
    if api["summary"]["this_year"]["grams"] >= 10_000:
        assert year.endswith(" t CO2e"), year
        assert len(year.split(" ")[0].split(".")[1]) == 2, year

    # Gauges pass 100 %: the arc is full, the number is the progress as it is.
    gauges = page.evaluate(
        """() => window.tanbiDashboard.charts.targets.getOption().series.map((s) =>
            ({id: s.id, value: s.data[0].value, shown: s.detail.formatter(s.data[0].value)}))"""
    )
    for gauge, target in zip(gauges, api["summary"]["targets"], strict=True):
        percent = round(target["progress"] * 100, 1)
        assert gauge["value"] == min(100, percent)
        assert gauge["shown"].replace(",", "") == f"{percent:g}%", gauge

    # A table and a CSV per chart, of the numbers drawn.
    for name in ("trend", "districts", "coins", "families", "targets"):
        page.click(f"#table-{name}")
        assert page.is_visible(f"#table-box-{name} table"), name
        with page.expect_download() as download:
            page.click(f"#csv-{name}")
        path = download.value.path()
        text = Path(path).read_text(encoding="utf-8-sig")
        assert text.splitlines() == page.evaluate(f"window.tanbiCsv({json.dumps(name)})"), name
    coins_csv = page.evaluate("window.tanbiCsv('coins')")
    assert coins_csv[0] == "kind,kind_name,coins"
    assert coins_csv[1].startswith("issued,")
    assert coins_csv[1].endswith(f",{api['summary']['coins']['issued']}")
    districts_csv = page.evaluate("window.tanbiCsv('districts')")
    assert districts_csv[0] == "district,district_name,grams,co2e_kg,participants,suppressed"
    assert page.evaluate(CLIPPED) == []  # the open tables scroll inside their boxes
    assert page.outside == []
    assert page.errors == []

    page.click("#table-trend")  # the screenshot shows the page as it opens, tables closed
    for name in ("districts", "coins", "families", "targets"):
        page.click(f"#table-{name}")
    shot = _artifact(page, tmp_path, f"dashboard-phone-{language}.png")
    assert shot.stat().st_size > 10_000


def test_the_wrong_key_error_is_in_both_languages(browser, served) -> None:  # type: ignore[no-untyped-def]
    base, _key = served
    page = open_page(browser, base, "/dashboard", PHONE)
    page.wait_for_selector("body[data-ready='sign-in']", state="attached")
    page.fill("#api-key", "ck_not-a-key")
    page.click("#sign-in button")
    page.wait_for_selector("#sign-in-error:not(:empty)")
    assert page.is_visible("#sign-in-error .zh")
    assert "密钥无效" in (page.text_content("#sign-in-error .zh") or "")
    assert page.evaluate(CONTRAST) == []  # the sign-in button's text included
    page.click("#language")
    assert page.is_visible("#sign-in-error .en")
    assert not page.is_visible("#sign-in-error .zh")
    assert page.text_content("#sign-in button .en") == "Sign in"
    assert page.is_visible("#sign-in button .en")
    assert page.evaluate(CONTRAST) == []
    assert page.evaluate(CLIPPED) == []
