"""``tanbi registry verify``: the registry recomputed from its records (service/registry/verify.py)."""

from __future__ import annotations

import asyncio
import json
import sys

import click

from service.city.cli import _in_session
from service.settings import load_settings


@click.group("registry")
def registry_group() -> None:
    """The carbon registry: crediting projects, batches, serial blocks, sales, retirements."""


@registry_group.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def registry_verify(as_json: bool) -> None:
    """Prove no serial exists twice, blocks add up to issued units, and the records agree; exit 1 if not."""
    from service.registry.verify import verify_registry

    report = asyncio.run(
        _in_session(load_settings(), lambda session, _settings: verify_registry(session), commit=False)
    )
    click.echo(json.dumps(report.as_dict(), indent=2) if as_json else report.as_text())
    sys.exit(0 if report.ok else 1)
