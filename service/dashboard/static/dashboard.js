// The city dashboard: signs in with a city user's key, reads /v1/city/*, draws it with ECharts.
// The key comes from the form or from the page's #key= fragment (never sent to the server as part of a
// URL) and is kept for this tab only. Every figure drawn is the API's number as it came; a suppressed group
// is drawn as a gap and labelled, never as a number.
"use strict";

const KEY_STORE = "tanbi.cityKey";
const SUPPRESSED = "已隐藏 suppressed";
const COIN_KINDS = [
  ["issued", "已发放", "Issued"],
  ["redeemed", "已兑换", "Redeemed"],
  ["expired", "已过期", "Expired"],
  ["outstanding", "流通中", "Outstanding"],
];
const charts = {};

document.addEventListener("DOMContentLoaded", start);

function start() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("key");
  if (fromHash) {
    sessionStorage.setItem(KEY_STORE, fromHash);
    history.replaceState(null, "", location.pathname + location.search); // keep the key out of history
  }
  document.getElementById("sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORE, document.getElementById("api-key").value.trim());
    load();
  });
  // Charts follow their boxes (a scrollbar appearing narrows them after the first draw).
  const resized = new ResizeObserver(() => Object.values(charts).forEach((c) => c.resize()));
  document.querySelectorAll(".chart").forEach((node) => resized.observe(node));
  load();
}

async function load() {
  const key = sessionStorage.getItem(KEY_STORE);
  if (!key) return showSignIn("");
  try {
    const token = await signIn(key);
    const summary = await getJson("/v1/city/summary", token);
    const today = summary.today;
    // The city reads whole calendar periods (so no two answers can be subtracted): whole months here.
    const monthEnd = lastDayOfMonth(today);
    const [trend, districts] = await Promise.all([
      getJson(`/v1/city/reductions?from=${monthsBack(today, 11)}&to=${monthEnd}&group_by=month,family`, token),
      getJson(`/v1/city/reductions?from=${today.slice(0, 8)}01&to=${monthEnd}&group_by=district`, token),
    ]);
    render(summary, trend, districts);
  } catch (error) {
    if (error.status === 401 || error.status === 403) {
      sessionStorage.removeItem(KEY_STORE);
      return showSignIn(error.message);
    }
    fail(error.message);
  }
}

async function signIn(key) {
  const response = await fetch("/v1/auth/api-key", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ api_key: key }),
  });
  return (await answer(response)).access_token;
}

async function getJson(path, token) {
  return answer(await fetch(path, { headers: { authorization: `Bearer ${token}`, accept: "application/json" } }));
}

async function answer(response) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(body.detail || `${response.status} ${response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

function showSignIn(message) {
  document.getElementById("board").hidden = true;
  document.getElementById("sign-in").hidden = false;
  document.getElementById("sign-in-error").textContent = message;
  document.body.dataset.ready = "sign-in";
}

function fail(message) {
  const box = document.getElementById("load-error");
  box.textContent = `无法加载 Could not load: ${message}`;
  box.hidden = false;
  document.body.dataset.ready = "error";
}

function render(summary, trend, districts) {
  document.getElementById("sign-in").hidden = true;
  document.getElementById("board").hidden = false;
  document.getElementById("as-of").textContent =
    `数据截至 As of ${summary.as_of.slice(0, 16).replace("T", " ")} UTC · ${summary.today}`;
  for (const id of ["k", "k-en"]) document.getElementById(id).textContent = summary.k;
  renderTiles(summary);
  const names = labels(summary);
  charts.trend = draw("chart-trend", trendOption(trend, names.family, summary.family_labels));
  charts.families = draw("chart-families", familiesOption(summary.families, names.family));
  charts.districts = draw("chart-districts", districtOption(districts, names.district));
  charts.coins = draw("chart-coins", coinsOption(summary.coins));
  charts.targets = draw("chart-targets", targetsOption(summary.targets));
  renderTargetList(summary.targets);
  window.tanbiDashboard = { charts }; // what the browser test reads back
  document.body.dataset.ready = "true";
}

function renderTiles(summary) {
  const year = summary.this_year;
  const total = summary.to_date;
  tile("total-grams", total.grams, mass);
  tile("year-grams", year.grams, mass);
  tile("total-actions", total.actions, count);
  tile("total-participants", total.participants, count);
  tile("total-coins", summary.coins.issued, count);
}

function tile(id, value, format) {
  const node = document.getElementById(id);
  node.dataset.value = value === null ? "" : String(value);
  node.classList.toggle("suppressed", value === null);
  node.textContent = value === null ? SUPPRESSED : format(value);
}

function labels(summary) {
  const both = (item) => `${item.zh} ${item.en}`;
  return {
    methodology: Object.fromEntries(summary.methodologies.map((m) => [m.id, both(m)])),
    family: Object.fromEntries(summary.family_labels.map((f) => [f.id, both(f)])),
    district: Object.fromEntries(summary.districts.map((d) => [d.code, both(d)])),
  };
}

function draw(id, option) {
  const node = document.getElementById(id);
  const chart = echarts.getInstanceByDom(node) || echarts.init(node, null, { renderer: "canvas" });
  chart.setOption({ animation: false, ...option }, true);
  return chart;
}

// The plan's six families (公交出行, 在线缴费, ...), in the plan's order: the city reads and targets by family.
function trendOption(report, names, families) {
  const months = monthsBetween(report.from, report.to);
  const present = new Set(report.groups.map((g) => g.family));
  const order = families.map((f) => f.id).filter((id) => present.has(id));
  const methodologies = [...order, ...[...present].filter((id) => !order.includes(id)).sort()];
  const cells = new Map(report.groups.map((g) => [`${g.month}|${g.family}`, g]));
  const series = methodologies.map((m) => ({
    id: m,
    name: names[m] || m,
    type: "line",
    stack: "grams",
    areaStyle: {},
    symbol: "none",
    connectNulls: false,
    // no cell: nothing was credited (0); a suppressed cell: a gap, never a guessed number
    data: months.map((month) => {
      const cell = cells.get(`${month}|${m}`);
      return cell ? cell.grams : 0;
    }),
  }));
  return {
    tooltip: { trigger: "axis", valueFormatter: (v) => (v === null ? SUPPRESSED : kilograms(v)) },
    legend: { type: "scroll", top: 0, left: 96, right: 16 },
    grid: { left: 72, right: 24, top: 44, bottom: 32 },
    xAxis: { type: "category", boundaryGap: false, data: months },
    yAxis: { type: "value", name: "kg CO2e", axisLabel: { formatter: (v) => count(v / 1000) } },
    series,
  };
}

function familiesOption(families, names) {
  const shown = families.map((f) => f.this_year);
  const states = families.map((f) => `${f.live ? "●" : "○"} ${names[f.id]}`).join("　");
  document.getElementById("families-note").textContent = `已上线 live ● / 未上线 not live ○ —　${states}`;
  return {
    tooltip: { trigger: "axis", valueFormatter: (v) => (v === null ? SUPPRESSED : kilograms(v)) },
    grid: { left: 72, right: 16, top: 24, bottom: 72 },
    xAxis: {
      type: "category",
      data: families.map((f) => f.id),
      axisLabel: {
        interval: 0,
        fontSize: 10,
        width: 88,
        overflow: "break",
        formatter: (id) => (names[id] || id).replace(" ", "\n"),
      },
    },
    yAxis: { type: "value", name: "kg CO2e", axisLabel: { formatter: (v) => count(v / 1000) } },
    series: [
      {
        id: "families",
        name: "今年 This year",
        type: "bar",
        data: shown.map((block) => (block.suppressed ? null : block.grams)),
        itemStyle: { color: "#6a5acd" },
        label: { show: true, position: "top", formatter: (p) => (p.value === null ? "—" : kilograms(p.value)) },
      },
    ],
  };
}

function districtOption(report, names) {
  const groups = [...report.groups].sort((a, b) => a.district.localeCompare(b.district));
  const hidden = groups.filter((g) => g.suppressed).map((g) => names[g.district] || g.district);
  document.getElementById("districts-note").textContent = hidden.length
    ? `已隐藏（参与者不足）Suppressed (too few participants): ${hidden.join("、")}`
    : "";
  return {
    tooltip: { trigger: "axis", valueFormatter: (v) => (v === null ? SUPPRESSED : kilograms(v)) },
    grid: { left: 72, right: 16, top: 24, bottom: 72 },
    xAxis: {
      type: "category",
      data: groups.map((g) => g.district),
      axisLabel: {
        interval: 0,
        fontSize: 10,
        width: 76,
        overflow: "break",
        formatter: (code) => (names[code] || code).replace(" ", "\n"),
      },
    },
    yAxis: { type: "value", name: "kg CO2e", axisLabel: { formatter: (v) => count(v / 1000) } },
    series: [
      {
        id: "districts",
        name: "本月 This month",
        type: "bar",
        data: groups.map((g) => g.grams),
        itemStyle: { color: "#2f8f5b" },
        label: { show: true, position: "top", formatter: (p) => (p.value === null ? "—" : kilograms(p.value)) },
      },
    ],
  };
}

function coinsOption(coins) {
  return {
    tooltip: { trigger: "axis" },
    grid: { left: 72, right: 16, top: 24, bottom: 48 },
    xAxis: { type: "category", data: COIN_KINDS.map(([, zh, en]) => `${zh}\n${en}`) },
    yAxis: { type: "value", name: "碳币 coins" },
    series: [
      {
        id: "coins",
        name: "碳币 Coins",
        type: "bar",
        data: COIN_KINDS.map(([kind]) => coins[kind]),
        itemStyle: { color: "#3b7dd8" },
        label: { show: true, position: "top", formatter: (p) => count(p.value) },
      },
    ],
  };
}

function targetsOption(targets) {
  const width = 100 / Math.max(targets.length, 1);
  return {
    series: targets.map((t, n) => ({
      id: t.id,
      name: `${t.zh} ${t.en}`,
      type: "gauge",
      center: [`${width * n + width / 2}%`, "48%"],
      radius: "72%",
      min: 0,
      max: 100,
      progress: { show: true, width: 14 },
      axisLine: { lineStyle: { width: 14 } },
      splitNumber: 5,
      detail: { valueAnimation: false, formatter: "{value}%", fontSize: 20, offsetCenter: [0, "40%"] },
      title: { offsetCenter: [0, "82%"], fontSize: 12, lineHeight: 16 },
      // progress as a percentage, capped on the dial; the list below gives the exact figures
      data: [
        { value: t.progress === null ? 0 : Math.min(100, round(t.progress * 100, 1)), name: `${t.zh}\n${t.en}` },
      ],
    })),
  };
}

function renderTargetList(targets) {
  const list = document.getElementById("targets-list");
  list.replaceChildren(
    ...targets.map((t) => {
      const item = document.createElement("li");
      item.id = `target-${t.id}`;
      const actual = t.actual === null ? "—" : count(t.actual);
      item.textContent = `${t.zh} ${t.en}: ${actual} / ${count(t.target)} ${t.unit}, 截止 due ${t.due} — ${t.source}`;
      return item;
    }),
  );
}

function monthsBack(isoDay, months) {
  const [year, month] = isoDay.split("-").map(Number);
  const index = year * 12 + (month - 1) - months;
  return `${Math.floor(index / 12)}-${pad(index % 12 + 1)}-01`;
}

function lastDayOfMonth(isoDay) {
  const [year, month] = isoDay.split("-").map(Number);
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate(); // day 0 of the next month
  return `${year}-${pad(month)}-${pad(last)}`;
}

function monthsBetween(first, last) {
  const out = [];
  let [year, month] = first.split("-").map(Number);
  const end = last.slice(0, 7);
  for (let label = `${year}-${pad(month)}`; label <= end; label = `${year}-${pad(month)}`) {
    out.push(label);
    [year, month] = month === 12 ? [year + 1, 1] : [year, month + 1];
  }
  return out;
}

const pad = (n) => String(n).padStart(2, "0");
const round = (value, digits) => Math.round(value * 10 ** digits) / 10 ** digits;
const count = (value) => Number(value).toLocaleString("zh-CN", { maximumFractionDigits: 1 });
const kilograms = (grams) => `${count(grams / 1000)} kg`;
const mass = (grams) => (grams >= 1e6 ? `${count(grams / 1e6)} t CO2e` : `${count(grams / 1000)} kg CO2e`);
