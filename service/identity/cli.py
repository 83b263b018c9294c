"""``tanbi city-user add``: the operator's accounts for city staff and auditors."""

from __future__ import annotations

import json
from typing import Any

import click

from service.partners.cli import _run


@click.group("city-user")
def city_user_group() -> None:
    """City staff: add a city user (approves offers and parameters) or an auditor (read-only)."""


@city_user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["city", "auditor", "verifier"]), default="city", show_default=True)
@click.option("--json", "as_json", is_flag=True, help='Print {"id", "role", "api_key"} as JSON.')
def add_city_user(name: str, role: str, as_json: bool) -> None:
    """Create a city user; the API key is traded for access tokens at POST /v1/auth/api-key."""
    created = _run(lambda session, _services: _add_city_user(session, name, role))
    print_key(created, as_json)


def print_key(created: dict[str, Any], as_json: bool) -> None:
    """The new account as JSON, or as lines with a reminder that the key is not shown again."""
    if as_json:
        click.echo(json.dumps(created))
        return
    for key, value in created.items():
        click.echo(f"{key:8} {value}")
    click.echo("(store the API key now: it is not shown again)")


async def _add_city_user(session: Any, name: str, role: str) -> dict[str, Any]:
    from service.identity.city_users import add_city_user

    user_id, key = await add_city_user(session, name, role)
    return {"id": user_id, "role": role, "api_key": key}
