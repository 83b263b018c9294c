"""``tanbi merchant``: the operator's accounts for merchants' tills: add one, rotate its key, set the
profile residents see."""

from __future__ import annotations

import json
from typing import Any

import click

from service.identity.cli import print_key
from service.merchants.models import MerchantCategory
from service.partners.cli import _run


@click.group("merchant")
def merchant_group() -> None:
    """Merchants: add one or rotate its key (each prints the key once), set its profile."""


@merchant_group.command("add")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help='Print {"id", "api_key"} as JSON.')
def add_merchant(name: str, as_json: bool) -> None:
    """Create a merchant; its staff trade the API key for access tokens at POST /v1/auth/api-key."""
    created = _run(lambda session, _services: _add_merchant(session, name))
    print_key(created, as_json)


@merchant_group.command("rotate-key")
@click.argument("merchant")
@click.option("--json", "as_json", is_flag=True, help='Print {"id", "api_key"} as JSON.')
def rotate_key(merchant: str, as_json: bool) -> None:
    """Give MERCHANT (an id or a name) a new API key, printed once. The old key is refused from now on and
    the merchant's tills must sign in again (their refresh tokens are revoked)."""
    rotated = _run(lambda session, _services: _rotate_key(session, merchant))
    print_key(rotated, as_json)


@merchant_group.command("profile")
@click.argument("merchant")
@click.option("--address", help="The street address residents see.")
@click.option("--lat", type=click.FloatRange(-90, 90), help="Latitude (WGS 84 degrees); give --lng too.")
@click.option("--lng", type=click.FloatRange(-180, 180), help="Longitude (WGS 84 degrees); give --lat too.")
@click.option("--category", type=click.Choice([c.value for c in MerchantCategory]), help="The kind of shop.")
@click.option("--image-url", help="An http(s) URL of the shop's picture.")
@click.option(
    "--clear",
    multiple=True,
    type=click.Choice(["address", "location", "category", "image-url"]),
    help="Clear a field (repeatable).",
)
def set_profile(
    merchant: str,
    address: str | None,
    lat: float | None,
    lng: float | None,
    category: str | None,
    image_url: str | None,
    clear: tuple[str, ...],
) -> None:
    """Set what residents see of MERCHANT (an id or a name) and print the profile as JSON; the merchant
    can change the same fields itself at PATCH /v1/merchant/profile."""
    changes: dict[str, Any] = {}
    for field in clear:
        names = ("latitude", "longitude") if field == "location" else (field.replace("-", "_"),)
        changes |= dict.fromkeys(names)
    given = {
        "address": address,
        "latitude": lat,
        "longitude": lng,
        "category": category,
        "image_url": image_url,
    }
    changes |= {name: value for name, value in given.items() if value is not None}
    if image_url is not None and not image_url.startswith(("https://", "http://")):
        raise click.BadParameter("give an http(s) URL", param_hint="--image-url")
    profile = _run(lambda session, _services: _set_profile(session, merchant, changes))
    click.echo(json.dumps(profile, ensure_ascii=False))


async def _add_merchant(session: Any, name: str) -> dict[str, Any]:
    from service.merchants.admin import add_merchant

    merchant_id, key = await add_merchant(session, name)
    return {"id": merchant_id, "api_key": key}


async def _rotate_key(session: Any, merchant: str) -> dict[str, Any]:
    from service.merchants.admin import rotate_key

    merchant_id, key = await rotate_key(session, merchant)
    return {"id": merchant_id, "api_key": key}


async def _set_profile(session: Any, merchant: str, changes: dict[str, Any]) -> dict[str, Any]:
    from service.merchants.profiles import merchant_by_ref, update_profile
    from service.merchants.views import merchant_brief

    found = await merchant_by_ref(session, merchant)
    updated = await update_profile(session, found.id, changes, "operator:cli")
    return merchant_brief(updated).model_dump(mode="json")
