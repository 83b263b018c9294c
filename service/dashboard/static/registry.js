// The public registry: reads /v1/registry/* (no key) and fills the tables; /registry/retirements/<id> also
// shows that retirement's certificate. Text is set with textContent only: nothing from the API is HTML.
"use strict";

const KINDS = {
  city: ["城市", "city"], buyer: ["买方", "buyer"], buffer: ["缓冲池", "buffer"],
  retirement: ["已注销", "retired"], cancellation: ["已作废", "cancelled"],
};
const STATUSES = {
  draft: ["草稿", "draft"], submitted: ["待核证", "submitted"], verified: ["已核证", "verified"],
  issued: ["已签发", "issued"],
};

function lang() { return document.documentElement.lang === "en" ? 1 : 0; }

function label(pair) { return pair ? pair[lang()] : ""; }

async function read(path) {
  // The service's texts (errors) in the page's language, not the browser's.
  const language = lang() ? "en" : "zh-CN";
  const response = await fetch(path, { headers: { accept: "application/json", "accept-language": language } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || response.statusText);
  return body;
}

function row(table, cells) {
  const tr = document.createElement("tr");
  for (const cell of cells) {
    const td = document.createElement("td");
    if (cell instanceof Node) td.append(cell); else td.textContent = String(cell);
    if (typeof cell === "number") td.className = "number";
    tr.append(td);
  }
  document.querySelector(`#${table} tbody`).append(tr);
}

function link(text, href) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  return a;
}

function fill(data) {
  for (const id of ["projects", "batches", "accounts", "retirements"]) document.querySelector(`#${id} tbody`).textContent = "";
  for (const p of data.projects) row("projects", [p.name, p.methodology_id, p.registry_name, `${(Number(p.buffer_share) * 100).toFixed(1)} %`]);
  for (const b of data.batches) {
    const serials = b.first_serial ? `${b.first_serial} … ${b.last_serial}` : "";
    row("batches", [`B${b.id}`, `${b.methodology_id} · ${b.vintage}`, label(STATUSES[b.status]), b.actions, b.units, b.buffer_units, serials, b.manifest_sha256]);
  }
  for (const a of data.accounts) row("accounts", [a.name, label(KINDS[a.kind]), a.units]);
  for (const r of data.retirements) row("retirements", [link(String(r.id), `/registry/retirements/${r.id}`), r.beneficiary, r.units, r.retired_at.slice(0, 10)]);
}

function showCertificate(r) {
  const facts = [
    [["证明编号", "Certificate No."], String(r.id)],
    [["注销量", "Quantity"], `${r.units} tCO2e`],
    [["序列号", "Serials"], `${r.first_serial} … ${r.last_serial}`],
    [["方法学 · 年份", "Methodology · vintage"], `${r.methodology_id} · ${r.vintage}`],
    [["注销方", "Retired by"], r.holder],
    [["受益方", "Beneficiary"], r.beneficiary],
    [["用途", "Purpose"], r.purpose],
    [["注销时间（UTC）", "Retired at (UTC)"], r.retired_at.replace("T", " ").slice(0, 16)],
  ];
  const list = document.getElementById("certificate");
  list.textContent = "";
  for (const [name, value] of facts) {
    const dt = document.createElement("dt");
    dt.textContent = label(name);
    const dd = document.createElement("dd");
    dd.textContent = value;
    list.append(dt, dd);
  }
  document.getElementById("certificate-pdf").href = `/v1/registry/retirements/${r.id}/certificate.pdf`;
  document.getElementById("certificate-panel").hidden = false;
}

let state = null;

async function load() {
  const [projects, batches, accounts, retirements] = await Promise.all(
    ["projects", "batches", "accounts", "retirements"].map((what) => read(`/v1/registry/${what}`)),
  );
  state = { projects, batches, accounts, retirements };
  fill(state);
  const shown = /^\/registry\/retirements\/(\d+)$/.exec(location.pathname);
  if (shown) showCertificate(await read(`/v1/registry/retirements/${shown[1]}`));
}

async function check(event) {
  event.preventDefault();
  const out = document.getElementById("check-result");
  const serial = document.getElementById("serial").value.trim();
  out.className = "small";
  try {
    const found = await read(`/v1/registry/serials/${encodeURIComponent(serial)}`);
    const holder = `${label(KINDS[found.holder_kind])} · ${found.holder}`;
    out.textContent = (lang() ? "Valid; held by " : "有效，持有方：") + holder;
    if (found.retirement) showCertificate(found.retirement);
  } catch (error) {
    out.className = "small error";
    out.textContent = error.message;
  }
}

document.getElementById("language").addEventListener("click", () => {
  document.documentElement.lang = lang() ? "zh-CN" : "en";
  if (state) fill(state);
});
document.getElementById("check").addEventListener("submit", check);
load().catch((error) => { document.getElementById("load-error").textContent = error.message; });
