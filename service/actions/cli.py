"""``tanbi action explain|replay``: recompute stored actions with their recorded code and parameters."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from typing import Any

import click

from service.errors import DomainError
from service.settings import Settings, load_settings


@click.group("action")
def action_group() -> None:
    """Explain and replay verified actions."""


@action_group.command("explain")
@click.argument("action_id", type=click.IntRange(1, 2**63 - 1))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def explain(action_id: int, as_json: bool) -> None:
    """Print an action's stored breakdown and its recomputation; exit 1 if they differ."""
    try:
        result = asyncio.run(_explain(load_settings(), action_id))
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        click.echo(_explain_text(result))
    sys.exit(0 if result["matches"] else 1)


@action_group.command("replay")
@click.option(
    "--since", required=True, type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]), help="From (local)."
)
@click.option(
    "--until", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]), help="Until (local, exclusive)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def replay(since: dt.datetime, until: dt.datetime | None, as_json: bool) -> None:
    """Recompute every action that occurred in a range; exit 1 if any stored result differs."""
    settings = load_settings()
    zone = settings.zone
    checked, differing = asyncio.run(
        _replay(settings, since.replace(tzinfo=zone), until.replace(tzinfo=zone) if until else None)
    )
    if as_json:
        click.echo(json.dumps({"checked": checked, "differing": differing}, indent=2, ensure_ascii=False))
    else:
        click.echo(f"replayed {checked} actions; {len(differing)} differ")
        for item in differing:
            click.echo(
                f"  action {item['action_id']} ({item['methodology']}): " + "; ".join(item["differences"])
            )
    sys.exit(0 if not differing else 1)


async def _explain(settings: Settings, action_id: int) -> dict[str, Any]:
    from service.actions.controllers import explanation
    from service.actions.replay import Replayer

    async with _session(settings) as (session, registry):
        result = await Replayer(session, settings, registry).explain(action_id)
        return explanation(result, registry).model_dump(mode="json")


async def _replay(
    settings: Settings, since: dt.datetime, until: dt.datetime | None
) -> tuple[int, list[dict[str, Any]]]:
    from service.actions.replay import Replayer

    async with _session(settings) as (session, registry):
        checked, differing = await Replayer(session, settings, registry).replay(since, until)
        return checked, [
            {"action_id": r.action.id, "methodology": r.action.methodology_id, "differences": r.differences}
            for r in differing
        ]


class _session:
    """A read-only session and the methodology registry, for one command."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __aenter__(self) -> tuple[Any, Any]:
        from service.db.engine import Database
        from service.methodology.registry import load_registry

        self.database = Database.from_url(self.settings.resolved_database_url)
        self.session = self.database.sessions()
        return self.session, load_registry()

    async def __aexit__(self, *exc: object) -> None:
        await self.session.rollback()
        await self.session.close()
        await self.database.dispose()


def _explain_text(result: dict[str, Any]) -> str:
    """The explanation as the methodology's README would put it: what was counted, the formula with this
    action's inputs, every factor with its source, the caps and shared totals it met, and what it earned."""
    b = result["breakdown"]
    gas = b.get("gas") or "CO2e"
    lines = [
        f"Action {result['action_id']}: {result['title']} — {result['family_zh']} {result['family_en']}",
        f"  methodology {result['methodology']} {result['code_version']}, parameter version "
        f"{result['params_version']}; occurred {result['occurred_at']}",
        f"  status: {result['status']}",
    ]
    lines += [f"    {r['code']}: {r['zh']} / {r['en']}" for r in result["reasons_explained"]]
    lines += ["", "Formula", f"  reduction_g = {b.get('formula')}"]
    lines += [f"  {name} = {value}" for name, value in (b.get("inputs") or {}).items()]
    lines += ["", "Factors"]
    lines += [f"  {f['name']} = {f['value']} {f['unit']}  [{f['source']}]" for f in b.get("factors", [])]
    lines += ["", "Result"]
    if b.get("baseline_grams") is not None:
        lines.append(f"  baseline {b['baseline_grams']} g, project {b.get('project_grams')} g")
    lines.append(f"  {b.get('exact_grams')} g {gas} exactly; {b.get('grams')} g, floored once at the end")
    lines += ["", "Caps and shared totals"] + [f"  {_cap_text(c)}" for c in b.get("caps") or []]
    lines += [
        "",
        f"Credited {result['grams']} g = {result['coins']} coins + {result['remainder_grams']} g remainder",
        "Recomputed with the recorded code, parameters and facts: "
        + ("identical" if result["matches"] else "; ".join(result["differences"])),
    ]
    return "\n".join(lines)


def _cap_text(cap: dict[str, Any]) -> str:
    if "exclusive" in cap:
        before = ", ".join(f"{m} {g} g" for m, g in cap["totals_before"].items())
        return (
            f"{cap['exclusive']} ({cap['period']}, the larger member counts, never the sum): before this "
            f"action {before}; it adds {cap['amount']} g to {cap['member']}; credited {cap['credited']} g"
        )
    text = (
        f"{cap['reason']}: {cap['measure']} per {cap['period']}, limit {cap['limit']}, "
        f"used {cap['used_before']} before, this action {cap['amount']}"
    )
    return text + (f"; clipped to {cap['clipped_to']} g" if "clipped_to" in cap else "")
