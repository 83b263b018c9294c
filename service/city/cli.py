"""``tanbi rollup verify``, ``fold`` and ``rebuild``, and ``tanbi city publish``."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import click

from service.settings import Settings, load_settings


@click.group("rollup")
def rollup_group() -> None:
    """The city's roll-ups: check them against the actions, or count them again."""


@rollup_group.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def rollup_verify(as_json: bool) -> None:
    """Recompute every roll-up from the actions; exit 1 on any difference."""
    from service.city.verify import verify_rollups

    report = asyncio.run(_in_session(load_settings(), verify_rollups, commit=False))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "actions": report.actions,
                    "waiting": report.waiting,
                    "differences": report.differences,
                },
                indent=2,
            )
        )
    else:
        click.echo(
            f"roll-ups {'ok' if report.ok else 'DIFFER'}: {report.actions} counted actions, "
            f"{report.waiting} of them waiting in the log"
        )
        for difference in report.differences[:50]:
            click.echo(
                f"  {difference['table']} {'/'.join(difference['key'])}: "
                f"expected {difference['expected']}, found {difference['found']}"
            )
    sys.exit(0 if report.ok else 1)


@rollup_group.command("fold")
def rollup_fold() -> None:
    """Fold the roll-up log into the roll-ups now (the worker does it every minute)."""
    from service.city.rollups import fold

    async def work(session: Any, settings: Settings) -> int:
        return await fold(session, settings.city)

    folded = asyncio.run(_in_session(load_settings(), work, commit=True))
    click.echo(f"folded {folded} logged actions into the roll-ups")


@rollup_group.command("rebuild")
def rollup_rebuild() -> None:
    """Empty the roll-ups and count every accepted action again (after an upgrade, or a repair)."""
    from service.city.verify import rebuild_rollups

    counted = asyncio.run(_in_session(load_settings(), rebuild_rollups, commit=True))
    click.echo(f"roll-ups rebuilt from {counted} actions")


@click.group("city")
def city_group() -> None:
    """What the city reads: the published grid of reductions."""


@city_group.command("publish")
def city_publish() -> None:
    """Publish the grid from the roll-ups now (the worker does it every 5 minutes)."""
    published = asyncio.run(_in_session(load_settings(), _publish, commit=True))
    click.echo(
        f"published {published.cells} cells ({published.hidden} suppressed) in {published.seconds:.1f} s"
    )


async def _publish(session: Any, settings: Settings) -> Any:
    from service.city.publication import publish
    from service.db.base import utcnow
    from service.methodology.registry import load_registry

    return await publish(session, settings.city, load_registry().families(), utcnow())


async def _in_session(settings: Settings, work: Callable[..., Awaitable[Any]], *, commit: bool) -> Any:
    from service.db.engine import Database
    from service.db.registry import metadata

    metadata()
    database = Database.from_url(settings.resolved_database_url)
    try:
        async with database.session() as session:
            result = await work(session, settings)
            if commit:
                await session.commit()
            return result
    finally:
        await database.dispose()
