"""``tanbi merchant add``: the operator's accounts for merchants' tills."""

from __future__ import annotations

from typing import Any

import click

from service.identity.cli import print_key
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
    print_key(created, as_json)


async def _add_merchant(session: Any, name: str) -> dict[str, Any]:
    from service.merchants.admin import add_merchant

    merchant_id, key = await add_merchant(session, name)
    return {"id": merchant_id, "api_key": key}
