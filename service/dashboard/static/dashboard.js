// The city dashboard: signs in with a city user's key, reads /v1/city/*, draws it with ECharts.
// The key comes from the form or from the page's #key= fragment (never sent to the server as part of a
// URL) and is kept for this tab only. Every figure drawn is the API's number as it came; a suppressed group
// is drawn as a gap and labelled, never as a number. Each chart has a table and a CSV of the very rows it
// draws (built here, from the same numbers). Chinese first; the language button switches to English.
"use strict";

const KEY_STORE = "tanbi.cityKey";
const LANG_STORE = "tanbi.lang";
const SUPPRESSED = { zh: "已隐藏", en: "suppressed" };
const COIN_KINDS = [
  ["issued", "已发放", "Issued"],
  ["redeemed", "已兑换", "Redeemed"],
  ["expired", "已过期", "Expired"],
  ["donated", "已捐赠", "Donated"],
  ["outstanding", "流通中", "Outstanding"],
];
const INK = "#1f2d27";
const MUTED = "#5f6f68";
const GAUGE_MIN_WIDTH = 220; // px a gauge needs with its title: narrower, the gauges stack
const charts = {};
const tables = {};
let language = localStorage.getItem(LANG_STORE) === "en" ? "en" : "zh";
let loaded = null; // the last answers drawn, to redraw in the other language or at another width

document.addEventListener("DOMContentLoaded", start);

function start() {
  applyLanguage();
  document.getElementById("language").addEventListener("click", () => {
    language = language === "zh" ? "en" : "zh";
    localStorage.setItem(LANG_STORE, language);
    applyLanguage();
    if (loaded) render(...loaded);
  });
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
  addTools();
  // Charts follow their boxes (a scrollbar appearing narrows them after the first draw); at another
  // width everything is laid out again (gauges side by side only where they fit, labels turned on a phone).
  let width = null;
  const resized = new ResizeObserver(() => {
    Object.values(charts).forEach((c) => c.resize());
    const now = document.getElementById("chart-targets").clientWidth;
    if (loaded && now !== width) {
      width = now;
      render(...loaded);
    }
  });
  document.querySelectorAll(".chart").forEach((node) => resized.observe(node));
  load();
}

function applyLanguage() {
  document.documentElement.lang = language === "zh" ? "zh-CN" : "en";
  document.title = pick("碳普惠城市看板", "Tanbi city dashboard");
}

const pick = (zh, en) => (language === "zh" ? zh : en);
const named = (item) => pick(item.zh, item.en);

async function load() {
  const key = sessionStorage.getItem(KEY_STORE);
  if (!key) return showSignIn(null);
  let token;
  try {
    token = await signIn(key);
  } catch (error) {
    if (error.status === 401 || error.status === 403 || error.status === 422) {
      sessionStorage.removeItem(KEY_STORE);
      return showSignIn(error);
    }
    return fail(error.message);
  }
  try {
    const summary = await getJson("/v1/city/summary?unit=t", token);
    const today = summary.today;
    // The city reads whole calendar periods (so no two answers can be subtracted): whole months here.
    const monthEnd = lastDayOfMonth(today);
    const [trend, districts, projects] = await Promise.all([
      getJson(`/v1/city/reductions?from=${monthsBack(today, 11)}&to=${monthEnd}&group_by=month,family&unit=kg`, token),
      getJson(`/v1/city/reductions?from=${today.slice(0, 8)}01&to=${monthEnd}&group_by=district&unit=kg`, token),
      getJson("/v1/welfare-projects?limit=200", token), // public; the token does no harm
    ]);
    loaded = [summary, trend, districts, projects];
    render(summary, trend, districts, projects);
  } catch (error) {
    if (error.status === 401 || error.status === 403) {
      sessionStorage.removeItem(KEY_STORE);
      return showSignIn(error);
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
    error.code = body.code;
    throw error;
  }
  return body;
}

// The API's detail is English; the sign-in form says it in Chinese too.
function signInMessage(error) {
  if (error.status === 403) return ["此密钥无权查看城市数据。", error.message];
  if (error.status === 401 || error.status === 422) return ["密钥无效，请检查后重新输入。", error.message];
  return ["登录失败。", error.message];
}

function showSignIn(error) {
  document.getElementById("board").hidden = true;
  document.getElementById("sign-in").hidden = false;
  const box = document.getElementById("sign-in-error");
  box.replaceChildren(...(error ? bilingual(...signInMessage(error)) : []));
  document.body.dataset.ready = "sign-in";
}

function bilingual(zh, en) {
  return [span("zh", zh), span("en", en)];
}

function span(className, text) {
  const node = document.createElement("span");
  node.className = className;
  node.textContent = text;
  return node;
}

function fail(message) {
  const box = document.getElementById("load-error");
  box.replaceChildren(...bilingual(`无法加载：${message}`, `Could not load: ${message}`));
  box.hidden = false;
  document.body.dataset.ready = "error";
}

function render(summary, trend, districts, projects) {
  document.getElementById("sign-in").hidden = true;
  document.getElementById("board").hidden = false;
  document.getElementById("as-of").replaceChildren(...asOf(summary));
  for (const id of ["k", "k-en"]) document.getElementById(id).textContent = summary.k;
  renderTiles(summary);
  const names = labels(summary);
  charts.trend = draw("chart-trend", trendOption(trend, names, summary.family_labels));
  charts.families = draw("chart-families", familiesOption(summary.families, names));
  charts.districts = draw("chart-districts", districtOption(districts, names));
  charts.coins = draw("chart-coins", coinsOption(summary.coins));
  charts.targets = draw("chart-targets", targetsOption(summary.targets));
  renderTargetList(summary.targets, names);
  renderWelfare(projects.items);
  document.querySelectorAll(".table-box:not([hidden])").forEach((box) => fillTable(box.dataset.chart));
  window.tanbiDashboard = { charts, tables, language }; // what the browser test reads back
  document.body.dataset.ready = "true";
}

// Each public-welfare project: its name, a bar of raised against goal (full once met), and the numbers as the
// API gave them (data-raised and data-goal too, for the browser test).
function renderWelfare(projects) {
  const list = document.getElementById("welfare-list");
  if (!projects.length) return list.replaceChildren(...bilingual("暂无公益项目", "No projects yet"));
  list.replaceChildren(
    ...projects.map((p) => {
      const item = document.createElement("li");
      item.id = `project-${p.id}`;
      item.dataset.raised = String(p.raised_coins);
      item.dataset.goal = String(p.goal_coins);
      const name = document.createElement("strong");
      name.append(...bilingual(p.name_zh + (p.active ? "" : "（已结束）"), p.name_en + (p.active ? "" : " (closed)")));
      const bar = document.createElement("progress");
      bar.max = p.goal_coins;
      bar.value = Math.min(p.raised_coins, p.goal_coins);
      bar.setAttribute("aria-label", `${p.name_zh} ${p.name_en}`);
      const figures = document.createElement("span");
      figures.className = "muted";
      figures.append(
        ...bilingual(
          `${count(p.raised_coins)} / ${count(p.goal_coins)} 碳币 · ${count(p.donations)} 笔捐赠 · ${count(p.donors)} 位捐赠者`,
          `${count(p.raised_coins)} / ${count(p.goal_coins)} coins · ${count(p.donations)} donations · ${count(p.donors)} donors`,
        ),
      );
      item.append(name, bar, figures);
      return item;
    }),
  );
}

// Beijing time, whatever the browser's zone: the city's date and the time are read in one zone.
function asOf(summary) {
  const made = beijing(summary.as_of);
  const published = summary.published_at ? beijing(summary.published_at) : null;
  return bilingual(
    `数据截至 ${made}（北京时间）` + (published ? ` · 网格发布于 ${published}` : " · 尚未发布"),
    `As of ${made} Beijing time (UTC+8)` + (published ? ` · grid published ${published}` : " · not yet published"),
  );
}

function beijing(iso) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone: "Asia/Shanghai",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

function renderTiles(summary) {
  const year = summary.this_year;
  const total = summary.to_date;
  tile("total-grams", total.grams, () => mass(total.grams, total.co2e));
  tile("year-grams", year.grams, () => mass(year.grams, year.co2e));
  tile("total-actions", total.actions, () => count(total.actions));
  tile("total-participants", total.participants, () => count(total.participants));
  tile("total-coins", summary.coins.issued, () => count(summary.coins.issued));
}

function tile(id, value, format) {
  const node = document.getElementById(id);
  node.dataset.value = value === null ? "" : String(value);
  node.classList.toggle("suppressed", value === null);
  node.textContent = value === null ? named(SUPPRESSED) : format();
}

function labels(summary) {
  const both = (item) => `${item.zh} ${item.en}`;
  const entries = (items, key) => items.map((item) => [item[key], item]);
  return {
    family: Object.fromEntries(entries(summary.family_labels, "id")),
    district: Object.fromEntries(entries(summary.districts, "code")),
    both,
  };
}

const nameOf = (items, id) => (items[id] ? named(items[id]) : id);

function draw(id, option) {
  const node = document.getElementById(id);
  const chart = echarts.getInstanceByDom(node) || echarts.init(node, null, { renderer: "canvas" });
  chart.setOption({ animation: false, textStyle: { color: INK }, ...option }, true);
  return chart;
}

const narrow = (id, categories) => document.getElementById(id).clientWidth / Math.max(categories, 1) < 72;

function categoryAxis(id, codes, label) {
  const tight = narrow(id, codes.length);
  return {
    type: "category",
    data: codes,
    axisLabel: {
      interval: 0, // every category keeps its label: none is dropped to make room
      color: MUTED,
      fontSize: tight ? 10 : 11,
      rotate: tight ? 40 : 0,
      width: tight ? 180 : 88,
      overflow: tight ? "truncate" : "break",
      formatter: label,
    },
  };
}

// Turned labels reach left of the first bar: leave them room so none is cut at the chart's edge.
const barGrid = (id, categories) => ({ left: narrow(id, categories) ? 96 : 8, right: 16, top: 32, bottom: 8, containLabel: true });

function valueLabel(format) {
  return { show: true, position: "top", color: INK, fontSize: 10, formatter: (p) => (p.value === null ? "—" : format(p.value)) };
}

function axisTooltip(format) {
  return {
    trigger: "axis",
    formatter: (items) =>
      [escapeHtml(items[0].axisValueLabel), ...items.map((i) => `${i.marker}${escapeHtml(shortName(i.seriesName))}: ${i.value === null ? named(SUPPRESSED) : format(i.value)}`)].join("<br>"),
  };
}

// Series keep their bilingual names (a stable name whatever the language); the drawn name is one language.
const shortName = (name) => {
  const [zh, ...en] = name.split(" ");
  return language === "zh" ? zh : en.join(" ") || zh;
};

// The plan's six families (公交出行, 在线缴费, ...), in the plan's order: the city reads and targets by family.
function trendOption(report, names, families) {
  const months = monthsBetween(report.from, report.to);
  const present = new Set(report.groups.map((g) => g.family));
  const order = families.map((f) => f.id).filter((id) => present.has(id));
  const ids = [...order, ...[...present].filter((id) => !order.includes(id)).sort()];
  const cells = new Map(report.groups.map((g) => [`${g.month}|${g.family}`, g]));
  const series = ids.map((m) => ({
    id: m,
    name: names.family[m] ? names.both(names.family[m]) : m,
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
  const rows = [];
  for (const month of months) {
    for (const m of ids) {
      const cell = cells.get(`${month}|${m}`);
      rows.push(cellRow({ month, family: m, family_name: nameOf(names.family, m) }, cell));
    }
  }
  tables.trend = {
    file: `trend-${report.from}-${report.to}`,
    columns: [
      column("month", "月份", "Month"),
      column("family", "场景", "Family", "family_name"),
      ...FIGURE_COLUMNS,
    ],
    rows,
  };
  const phone = document.getElementById("chart-trend").clientWidth < 480;
  return {
    tooltip: axisTooltip(kilograms),
    legend: { type: "scroll", top: 0, left: phone ? 8 : 96, right: 8, formatter: shortName, textStyle: { color: INK } },
    grid: { left: 8, right: 16, top: phone ? 64 : 44, bottom: 8, containLabel: true },
    xAxis: { type: "category", boundaryGap: false, data: months, axisLabel: { color: MUTED, hideOverlap: true } },
    yAxis: { type: "value", name: pick("千克", "kg CO2e"), nameTextStyle: { color: MUTED, align: "left" }, axisLabel: { color: MUTED, formatter: (v) => count(v / 1000) } },
    series,
  };
}

const FIGURE_COLUMNS = [
  { key: "grams", zh: "克", en: "Grams", number: true },
  { key: "co2e_kg", zh: "千克 CO2e", en: "kg CO2e", number: true, show: (v) => v.toFixed(1) },
  { key: "participants", zh: "参与居民", en: "Participants", number: true },
  { key: "suppressed", zh: "已隐藏", en: "Suppressed", show: (v) => (v ? named(SUPPRESSED) : "") },
];

function column(key, zh, en, display) {
  return { key, zh, en, display };
}

function cellRow(keys, cell) {
  if (!cell) return { ...keys, grams: 0, co2e_kg: 0, participants: 0, suppressed: false };
  return {
    ...keys,
    grams: cell.grams,
    co2e_kg: cell.suppressed ? null : cell.grams / 1000,
    participants: cell.participants,
    suppressed: cell.suppressed,
  };
}

function familiesOption(families, names) {
  const shown = families.map((f) => f.this_year);
  const note = document.getElementById("families-note");
  note.replaceChildren(
    ...bilingual("已上线 ● / 未上线 ○ — ", "live ● / not live ○ — "),
    ...families.flatMap((f) => [
      document.createTextNode(`${f.live ? "●" : "○"} `),
      ...bilingual(names.family[f.id].zh, names.family[f.id].en),
      document.createTextNode(" · "),
    ]),
  );
  // textContent keeps both languages ("● 公交出行 Public transport"): the zh and en spans sit side by side
  note.querySelectorAll("span.zh").forEach((node) => node.after(document.createTextNode(" ")));
  tables.families = {
    file: "families-this-year",
    columns: [column("family", "场景", "Family", "family_name"), column("live", "已上线", "Live"), ...FIGURE_COLUMNS],
    rows: families.map((f) => cellRow({ family: f.id, family_name: nameOf(names.family, f.id), live: f.live }, f.this_year)),
  };
  return {
    tooltip: axisTooltip(kilograms),
    grid: barGrid("chart-families", families.length),
    xAxis: categoryAxis("chart-families", families.map((f) => f.id), (id) => nameOf(names.family, id)),
    yAxis: { type: "value", name: pick("千克", "kg CO2e"), nameTextStyle: { color: MUTED, align: "left" }, axisLabel: { color: MUTED, formatter: (v) => count(v / 1000) } },
    series: [
      {
        id: "families",
        name: "今年 This year",
        type: "bar",
        barMinHeight: 2,
        data: shown.map((block) => (block.suppressed ? null : block.grams)),
        itemStyle: { color: "#6a5acd" },
        label: valueLabel((v) => count(v / 1000)),
      },
    ],
  };
}

function districtOption(report, names) {
  const groups = [...report.groups].sort((a, b) => a.district.localeCompare(b.district));
  const hidden = groups.filter((g) => g.suppressed).map((g) => names.district[g.district] || { zh: g.district, en: g.district });
  document
    .getElementById("districts-note")
    .replaceChildren(
      ...(hidden.length
        ? bilingual(`已隐藏（参与者不足）：${hidden.map((d) => d.zh).join("、")}`, `Suppressed (too few participants): ${hidden.map((d) => d.en).join(", ")}`)
        : []),
    );
  tables.districts = {
    file: `districts-${report.from}-${report.to}`,
    columns: [column("district", "街道乡镇", "District", "district_name"), ...FIGURE_COLUMNS],
    rows: groups.map((g) => cellRow({ district: g.district, district_name: nameOf(names.district, g.district) }, g)),
  };
  return {
    tooltip: axisTooltip(kilograms),
    grid: barGrid("chart-districts", groups.length),
    xAxis: categoryAxis("chart-districts", groups.map((g) => g.district), (code) => nameOf(names.district, code)),
    yAxis: { type: "value", name: pick("千克", "kg CO2e"), nameTextStyle: { color: MUTED, align: "left" }, axisLabel: { color: MUTED, formatter: (v) => count(v / 1000) } },
    series: [
      {
        id: "districts",
        name: "本月 This month",
        type: "bar",
        barMinHeight: 2,
        data: groups.map((g) => g.grams),
        itemStyle: { color: "#23714a" },
        label: valueLabel((v) => count(v / 1000)),
      },
    ],
  };
}

function coinsOption(coins) {
  tables.coins = {
    file: "coins",
    columns: [column("kind", "类别", "Kind", "kind_name"), { key: "coins", zh: "碳币", en: "Coins", number: true }],
    rows: COIN_KINDS.map(([kind, zh, en]) => ({ kind, kind_name: pick(zh, en), coins: coins[kind] })),
  };
  return {
    tooltip: { trigger: "axis" },
    grid: barGrid("chart-coins", COIN_KINDS.length),
    xAxis: categoryAxis("chart-coins", COIN_KINDS.map(([, zh, en]) => `${zh}\n${en}`), (both) => shortName(both.replace("\n", " "))),
    yAxis: { type: "value", name: pick("碳币", "coins"), nameTextStyle: { color: MUTED, align: "left" }, axisLabel: { color: MUTED, formatter: (v) => count(v) } },
    series: [
      {
        id: "coins",
        name: "碳币 Coins",
        type: "bar",
        barMinHeight: 2, // a kind with few coins beside millions issued still shows a bar
        data: COIN_KINDS.map(([kind]) => coins[kind]),
        itemStyle: { color: "#3b6fc4" },
        label: valueLabel(count),
      },
    ],
  };
}

// One gauge per target. The arc stops at 100 % (full); the number says the progress as it is (167 %).
function targetsOption(targets) {
  const node = document.getElementById("chart-targets");
  const width = node.clientWidth || 320;
  const columns = Math.max(1, Math.min(targets.length, Math.floor(width / GAUGE_MIN_WIDTH)));
  const rows = Math.ceil(targets.length / columns) || 1;
  const rowHeight = width < 480 ? 250 : 320;
  const height = rows * rowHeight;
  if (node.style.height !== `${height}px`) node.style.height = `${height}px`;
  const cell = width / columns;
  const radius = Math.min(cell, rowHeight) * 0.36;
  window.tanbiGauges = { columns, rows };
  tables.targets = {
    file: "targets",
    columns: [
      column("target", "目标", "Target", "target_name"),
      column("part", "范围", "Part", "part_name"),
      { key: "goal", zh: "目标值", en: "Goal", number: true },
      { key: "actual", zh: "实际", en: "Actual", number: true },
      column("unit", "单位", "Unit"),
      { key: "progress_percent", zh: "进度 %", en: "Progress %", number: true },
      column("due", "截止", "Due"),
    ],
    rows: targets.flatMap((t) => [
      targetRow(t, t, "", pick("全市", "Whole city")),
      ...t.families.map((p) => targetRow(t, p, `family:${p.id}`, named(p))),
      ...t.districts.map((p) => targetRow(t, p, `district:${p.id}`, named(p))),
    ]),
  };
  return {
    series: targets.map((t, n) => {
      const percent = t.progress === null ? null : round(t.progress * 100, 1);
      const [col, row] = [n % columns, Math.floor(n / columns)];
      return {
        id: t.id,
        name: `${t.zh} ${t.en}`,
        type: "gauge",
        center: [(col + 0.5) * cell, row * rowHeight + rowHeight * 0.42],
        radius,
        min: 0,
        max: 100,
        progress: { show: true, width: 12 },
        pointer: { show: false }, // the arc and the number say it; a needle would cover the number
        axisLine: { lineStyle: { width: 12 } },
        axisLabel: { color: MUTED, fontSize: 10, distance: 16 },
        splitNumber: 5,
        detail: {
          valueAnimation: false,
          formatter: () => (percent === null ? "—" : `${count(percent)}%`),
          fontSize: 20,
          color: INK,
          offsetCenter: [0, "40%"],
        },
        title: { offsetCenter: [0, "100%"], fontSize: 12, lineHeight: 16, color: INK, width: cell - 24, overflow: "break" },
        // the arc is capped (full at 100 %); the detail above gives the figure itself
        data: [{ value: percent === null ? 0 : Math.min(100, percent), name: named(t) }],
      };
    }),
  };
}

function targetRow(target, part, key, partName) {
  return {
    target: target.id,
    target_name: named(target),
    part: key,
    part_name: partName,
    goal: part.target,
    actual: part.actual,
    unit: target.unit,
    progress_percent: part.progress === null ? null : round(part.progress * 100, 1),
    due: target.due,
  };
}

function renderTargetList(targets, names) {
  const list = document.getElementById("targets-list");
  const line = (t, p, zh, en) =>
    bilingual(
      `${zh}：${p.actual === null ? "—" : count(p.actual)} / ${count(p.target)} ${t.unit}`,
      `${en}: ${p.actual === null ? "—" : count(p.actual)} / ${count(p.target)} ${t.unit}`,
    );
  list.replaceChildren(
    ...targets.map((t) => {
      const item = document.createElement("li");
      item.id = `target-${t.id}`;
      item.append(...line(t, t, t.zh, t.en), ...bilingual(`，截止 ${t.due}`, `, due ${t.due}`));
      if (t.source) item.append(document.createTextNode(` — ${t.source}`));
      const parts = [...t.families, ...t.districts];
      if (parts.length) {
        const sub = document.createElement("ul");
        sub.append(
          ...parts.map((p) => {
            const li = document.createElement("li");
            li.append(...line(t, p, p.zh, p.en));
            if (p.suppressed) li.append(...bilingual("（已隐藏）", " (suppressed)"));
            return li;
          }),
        );
        item.append(sub);
      }
      return item;
    }),
  );
}

// A table and a CSV under every chart, of the rows the chart was drawn from.
function addTools() {
  document.querySelectorAll("section[data-chart]").forEach((panel) => {
    const name = panel.dataset.chart;
    const tools = document.createElement("div");
    tools.className = "tools";
    const toggle = button(`table-${name}`, "表格", "Table");
    toggle.setAttribute("aria-expanded", "false");
    const csv = button(`csv-${name}`, "下载 CSV", "Download CSV");
    tools.append(toggle, csv);
    const box = document.createElement("div");
    box.className = "table-box";
    box.id = `table-box-${name}`;
    box.dataset.chart = name;
    box.hidden = true;
    panel.querySelector(".chart").after(tools, box);
    toggle.addEventListener("click", () => {
      box.hidden = !box.hidden;
      toggle.setAttribute("aria-expanded", String(!box.hidden));
      if (!box.hidden) fillTable(name);
    });
    csv.addEventListener("click", () => downloadCsv(name));
  });
}

function button(id, zh, en) {
  const node = document.createElement("button");
  node.type = "button";
  node.id = id;
  node.append(...bilingual(zh, en));
  return node;
}

function fillTable(name) {
  const spec = tables[name];
  const box = document.getElementById(`table-box-${name}`);
  if (!spec) return box.replaceChildren();
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  for (const c of spec.columns) {
    const th = document.createElement("th");
    th.scope = "col";
    th.append(...bilingual(c.zh, c.en));
    head.append(th);
  }
  const body = table.createTBody();
  for (const row of spec.rows) {
    const tr = body.insertRow();
    for (const c of spec.columns) {
      const td = tr.insertCell();
      const value = row[c.display || c.key];
      if (c.number) td.className = "number";
      td.textContent = value === null || value === undefined ? "—" : c.show ? c.show(value) : c.number ? count(value) : String(value);
    }
  }
  box.replaceChildren(table);
}

function csvRows(name) {
  const spec = tables[name];
  const keys = spec.columns.flatMap((c) => (c.display ? [c.key, c.display] : [c.key]));
  const cell = (v) => {
    if (v === null || v === undefined) return "";
    const text = typeof v === "number" && !Number.isInteger(v) ? String(round(v, 3)) : String(v);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [keys.join(","), ...spec.rows.map((row) => keys.map((k) => cell(row[k])).join(","))];
}

function downloadCsv(name) {
  const text = "\ufeff" + csvRows(name).join("\n") + "\n"; // a byte-order mark, as the API's CSV: Excel reads UTF-8
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  link.download = `tanbi-${tables[name].file}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
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

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const pad = (n) => String(n).padStart(2, "0");
const round = (value, digits) => Math.round(value * 10 ** digits) / 10 ** digits;
const count = (value) => Number(value).toLocaleString("zh-CN", { maximumFractionDigits: 1 });
const fixed = (value, digits) =>
  Number(value).toLocaleString("zh-CN", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const kilograms = (grams) => `${count(grams / 1000)} kg`;
// Tonnes with two decimals (10.01 t, never a rounded 10 t), from the API's own rounding when it gave one.
const mass = (grams, tonnes) =>
  grams >= 10_000 ? `${fixed(tonnes ?? grams / 1e6, 2)} t CO2e` : `${fixed(grams / 1000, 1)} kg CO2e`;
window.tanbiCsv = csvRows; // the browser test compares a table's CSV with the API's numbers
