"""``tanbi merchant add`` and ``tanbi city-user add``: the operator's accounts for tills and city staff."""

from __future__ import annotations

import json
from typing import Any

import click

from service.db.base import utcnow
from service.partners.cli import _run


@click.group("merchant")
def merchant_group() -> None:
    """Merchants: add one (prints its API key once)."""


@merchant_group.command("add")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help='Print {"id", "api_key"} as JSON.')
def add_merchant(name: str, as_json: bool) -> None:
    """Create a merchant; its staff trade the API key for access tokens at POST /v1/auth/api-key."""
    created = _run(lambda session, _services: _add_merchant(session, name))
    _print(created, as_json)


@click.group("city-user")
def city_user_group() -> None:
    """City staff: add a city user (approves offers and parameters) or an auditor (read-only)."""


@city_user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["city", "auditor"]), default="city", show_default=True)
@click.option("--json", "as_json", is_flag=True, help='Print {"id", "role", "api_key"} as JSON.')
def add_city_user(name: str, role: str, as_json: bool) -> None:
    """Create a city user; the API key is traded for access tokens at POST /v1/auth/api-key."""
    created = _run(lambda session, _services: _add_city_user(session, name, role))
    _print(created, as_json)


def _print(created: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(created))
        return
    for key, value in created.items():
        click.echo(f"{key:8} {value}")
    click.echo("(store the API key now: it is not shown again)")


async def _add_merchant(session: Any, name: str) -> dict[str, Any]:
    from service.identity.api_keys import add_merchant

    merchant_id, key = await add_merchant(session, name, utcnow())
    return {"id": merchant_id, "api_key": key}


async def _add_city_user(session: Any, name: str, role: str) -> dict[str, Any]:
    from service.identity.api_keys import add_city_user

    user_id, key = await add_city_user(session, name, role, utcnow())
    return {"id": user_id, "role": role, "api_key": key}
