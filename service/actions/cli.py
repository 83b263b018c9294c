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
        return explanation(result).model_dump(mode="json")


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
    b = result["breakdown"]
    lines = [
        f"action {result['action_id']}: {result['methodology']} {result['code_version']}, "
        f"parameters v{result['params_version']}",
        f"  status {result['status']}" + (f" ({', '.join(result['reasons'])})" if result["reasons"] else ""),
        f"  formula: {b.get('formula')}",
        f"  inputs: {json.dumps(b.get('inputs'), ensure_ascii=False)}",
    ]
    lines += [
        f"  factor {f['name']} = {f['value']} {f['unit']}  [{f['source']}]" for f in b.get("factors", [])
    ]
    lines += [
        f"  baseline {b.get('baseline_grams')} g, project {b.get('project_grams')} g, "
        f"exact {b.get('exact_grams')} g",
        f"  caps: {json.dumps(b.get('caps'), ensure_ascii=False)}",
        f"  credited {result['grams']} g = {result['coins']} coins + {result['remainder_grams']} g remainder",
        "  recomputed: " + ("identical" if result["matches"] else "; ".join(result["differences"])),
    ]
    return "\n".join(lines)
