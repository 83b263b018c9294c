"""The partner guide (docs/partners.md), written from the methodologies themselves so it cannot drift:
for each methodology its partner, an event envelope with an evidence example, the evidence fields with
their units, the staleness window, and every code a report can be refused with, in Chinese and English.

``tanbi partner guide`` prints it; a test keeps docs/partners.md equal to it.
"""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from methodologies._sdk import COMMON_REASONS, FAMILIES, Methodology
from service.methodology.registry import Registry

# The examples' times are shown in the default city zone.
CITY_ZONE = ZoneInfo("Asia/Shanghai")

INTRO = """# Partner guide

How a partner (a bus operator, a utility, a charge-point operator...) reports residents' low-carbon
actions to Tanbi. Written from the methodologies' own declarations by `tanbi partner guide`; the API's
reference is the OpenAPI document at `/schema/openapi.json`.

## Sending events
`POST /v1/partners/{partner_id}/events` with a JSON body `{"events": [...]}` of 1 to 1,000 events, signed
with Standard Webhooks: headers `webhook-id` (unique per delivery), `webhook-timestamp` (Unix seconds,
within 5 minutes of Tanbi's clock by default) and `webhook-signature: v1,<base64 HMAC-SHA256 of
"{webhook-id}.{webhook-timestamp}.{body}" under your whsec_ secret>`. A `webhook-id` is good for one
request: a retry of the very same request (same method, path, query and body; a new timestamp and
signature) returns the first answer and stores nothing twice, and any other request with that id is refused
(409 `webhook_id_reused`). Signed GETs (statuses, lists) need a new id each time.
The answer to a batch is `202` with one acknowledgement per event, in order:
`accepted` (stored, to be processed), `duplicate` (an event with this `id` was accepted before) or `invalid`
(with `errors`, each naming the field: nothing of it was stored; fix it and send it again).

Every event:

| field | meaning |
| --- | --- |
| `id` | your unique id of the report (1-128 characters); a repeated id is a `duplicate` |
| `type` | the methodology id below; you may send only the types Tanbi granted you |
| `subject` | your reference of the user (an account, a card); Tanbi stores only its keyed hash |
| `occurred_at` | when the action happened, ISO 8601 with a zone |
| `evidence` | the methodology's evidence, below |

**The 24 h rule.** `occurred_at` must be within 24 hours of the time the evidence itself shows (the trip's
start, the session's start, the day or period the methodology names); otherwise the report is rejected
`occurred_at_mismatch`.

**Times and zones.** Every timestamp carries its zone (`2026-11-20T07:42:10+08:00`); a timestamp without
one is invalid. Dates and months (`2026-11-19`, `2026-11`) are calendar days and months in the city's
zone (Asia/Shanghai unless the city sets another); caps count the resident's local days, months and years.

**Freshness.** A report is judged when it arrives, not when Tanbi's workers reach it: one older than the
methodology's staleness window is rejected `stale`, one in the future `in_future`.

**Identifiers.** Plate numbers, account, invoice, order and receipt numbers, IMEIs and VINs are sent as they
are; Tanbi replaces each with its own keyed hash (`hk1:...`) before anything is stored, so the same plate
reported by two partners is one car and no partner's user data is kept in clear. Do not send values in the
`hk1:` form: they are refused.

**Residents.** An event credits the resident who bound your `subject`: ask Tanbi for a link token
(`POST /v1/partners/{partner_id}/link-tokens` with `{"subject": "..."}`, signed) and let your user redeem
it in the mini-program. Events of an unbound subject wait as `unclaimed` and are credited if the user binds
within 30 days (the city's setting).

**Registered assets.** Methodologies whose evidence names an asset (a PV system) take the asset from your
record: `PUT /v1/partners/{partner_id}/assets/{kind}/{ref}` with `{"subject": "...", "attributes": {...}}`,
signed. The record belongs to the resident who binds that subject.

**Status.** `GET /v1/partners/{partner_id}/events/{id}` (signed) tells an event's status: `received`,
`credited` (with grams and coins), `rejected` (with the reason codes below), `unclaimed` or `failed`.

Charge-point operators may send OCPI 2.2.1 CDRs instead, to `/v1/partners/{partner_id}/ocpi/2.2.1/cdrs`
with their OCPI token; they map onto `ev_charging`.
"""


def render(registry: Registry) -> str:
    out = [INTRO]
    for family in FAMILIES:
        members = [registry.current(m) for m in registry.ids() if registry.current(m).family == family.id]
        if not members:
            continue
        out.append(f"## {family.zh} {family.en}\n")
        out += [_methodology(m) for m in members]
    return "\n".join(out).rstrip() + "\n"


def _methodology(methodology: Methodology) -> str:
    example = getattr(methodology, "example", None) or {}
    params = methodology.Params()
    lines = [
        f"### `{methodology.id}` — {methodology.title}, code version {methodology.version}\n",
        f"Sent by: {getattr(methodology, 'partner', '') or 'a partner that can prove it'}.\n",
        "```json",
        _pretty({"events": [_event(methodology, example)]}),
        "```\n",
        "| evidence field | required | type | meaning |",
        "| --- | --- | --- | --- |",
    ]
    lines += _fields(methodology)
    lines += ["", _freshness(params), ""]
    identifiers = methodology.Evidence.identifiers()
    if identifiers:
        names = ", ".join(f"`{name}`" for name in identifiers)
        lines += [f"Tanbi hashes {names} before storing anything.", ""]
    lines += _shared(methodology, params, example)
    lines += ["Reports are refused with:", "", "| code | 中文 | English |", "| --- | --- | --- |"]
    meanings = dict(COMMON_REASONS) | dict(getattr(methodology, "reasons", {}) or {})
    lines += [f"| `{code}` | {meanings[code][0]} | {meanings[code][1]} |" for code in _codes(methodology)]
    lines.append(f"\nFormula, factors and their sources: `GET /v1/methodologies/{methodology.id}`.\n")
    return "\n".join(lines)


def _event(methodology: Methodology, example: dict[str, Any]) -> dict[str, Any]:
    parsed = methodology.Evidence.model_validate(example)
    occurred = methodology.occurred_at(parsed)
    return {
        "id": f"{methodology.id}-0001",
        "type": methodology.id,
        "subject": "your-user-42",
        "occurred_at": occurred.astimezone(CITY_ZONE).isoformat(),
        "evidence": example,
    }


def _pretty(value: Any, indent: str = "") -> str:
    """JSON with objects laid out a key a line and lists of plain values on one line."""
    inner = indent + "  "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_pretty(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(inner + _pretty(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value, ensure_ascii=False)


def _fields(methodology: Methodology) -> list[str]:
    schema = methodology.Evidence.model_json_schema()
    required = set(schema.get("required", []))
    rows = []
    for name, spec in schema.get("properties", {}).items():
        meaning = (spec.get("description") or "").replace("|", "/")
        needed = "yes" if name in required else "no"
        rows.append(f"| `{name}` | {needed} | {_type(spec, schema)} | {meaning} |")
    return rows


def _type(spec: dict[str, Any], schema: dict[str, Any]) -> str:
    if "$ref" in spec:
        return _type(schema.get("$defs", {}).get(spec["$ref"].rsplit("/", 1)[-1], {}), schema)
    if "enum" in spec:
        return " / ".join(f"`{v}`" for v in spec["enum"])
    if "anyOf" in spec:
        options = [s for s in spec["anyOf"] if s.get("type") != "null"]
        if {s.get("type") for s in options} == {"number", "string"}:
            return "decimal (a string keeps every digit)"
        return " or ".join(dict.fromkeys(_type(s, schema) for s in options))
    kind = spec.get("type", "")
    if kind == "array":
        return f"list of {_type(spec.get('items', {}), schema)}"
    if kind == "string" and spec.get("format") in ("date-time", "date"):
        return {"date-time": "timestamp with zone", "date": "date (local)"}[spec["format"]]
    if kind == "string" and spec.get("pattern", "").startswith("^-?\\\\d"):
        return "decimal"
    if "type" not in spec and "pattern" in spec:
        return "decimal"
    return {"integer": "integer", "number": "number", "boolean": "boolean", "string": "string"}.get(
        kind, kind or "decimal"
    )


def _freshness(params: Any) -> str:
    described = {p["name"]: p for p in params.describe()}
    stale = described.get("stale_days")
    window = f"{stale['default']} {stale['unit']}" if stale else "none"
    future = described.get("future_tolerance_minutes")
    ahead = f"; at most {future['default']} minutes in the future" if future else ""
    return f"Staleness window: {window}{ahead}."


def _codes(methodology: Methodology) -> list[str]:
    """The codes a report of this methodology can be refused with: its own, the time checks, and those of
    the service's checks it declares (probed with its evidence example)."""
    codes = ["occurred_at_mismatch", "in_future", "stale"]
    own = list(getattr(methodology, "reasons", {}) or {})
    example = getattr(methodology, "example", None)
    if example is not None:
        evidence = methodology.Evidence.model_validate(example)
        params = methodology.Params()
        codes += [span.reason for span in methodology.occupancy(evidence)]
        codes += [claim.reason for claim in methodology.claims(evidence)]
        codes += [cap.reason for cap in methodology.caps(evidence, params)]
        if getattr(methodology, "asset_kind", None):
            codes.append("unregistered_asset")
    known = dict(COMMON_REASONS) | dict(getattr(methodology, "reasons", {}) or {})
    return [c for c in dict.fromkeys(codes + own) if c in known and c != "counted_elsewhere"]


def _shared(methodology: Methodology, params: Any, example: dict[str, Any]) -> list[str]:
    """The exclusive groups the methodology shares totals in (never a rejection: the larger counts)."""
    if not example:
        return []
    groups = methodology.exclusive(methodology.Evidence.model_validate(example), params)
    return [
        f"Shared totals: `{g.group}` with {', '.join(m for m in g.members if m != g.member)} "
        f"(per resident and {g.period}, the larger counts, never both: a report is then accepted and "
        "credited what the larger total grew by, possibly 0 g).\n"
        for g in groups
    ]
