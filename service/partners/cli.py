"""``tanbi partner add|rotate-secret``: the operator's partner administration."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import click

from service.errors import DomainError
from service.settings import Settings, load_settings


@click.group("partner")
def partner_group() -> None:
    """Partners: add one, rotate its webhook secret."""


@partner_group.command("add")
@click.argument("name")
@click.option("--methodologies", required=True, help="Comma-separated methodology ids it may report.")
@click.option("--ocpi", is_flag=True, help="Also issue an OCPI token (charge-point operators sending CDRs).")
@click.option(
    "--ocpi-vehicle-kind",
    type=click.Choice(["private_car", "taxi", "ride_hailing", "bus", "truck", "other"]),
    help="What the operator states its users' tokens charge (CDRs do not say; only private_car credits).",
)
@click.option("--json", "as_json", is_flag=True, help='Print {"id", "secret"} as JSON.')
def add(name: str, methodologies: str, ocpi: bool, ocpi_vehicle_kind: str | None, as_json: bool) -> None:
    """Create a partner and print its id and its first Standard Webhooks secret (shown once)."""
    granted = [m.strip() for m in methodologies.split(",") if m.strip()]
    credentials = _run(lambda s, services: _add(s, services, name, granted, ocpi, ocpi_vehicle_kind))
    _print(credentials, as_json)


@partner_group.command("guide")
def guide() -> None:
    """Print the partner guide (docs/partners.md) as the installed methodologies describe it."""
    from service.methodology.partner_guide import render
    from service.methodology.registry import load_registry

    click.echo(render(load_registry()), nl=False)


@partner_group.command("rotate-secret")
@click.argument("partner_id", type=click.IntRange(1, 2**63 - 1))
@click.option("--json", "as_json", is_flag=True, help='Print {"id", "secret"} as JSON.')
def rotate(partner_id: int, as_json: bool) -> None:
    """Issue a new secret; the previous one stays valid for the grace period (24 h by default)."""
    credentials = _run(lambda s, services: _rotate(s, services, partner_id))
    _print(credentials, as_json)


def _print(credentials: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(credentials))
    else:
        click.echo(f"partner {credentials['id']}")
        click.echo(f"secret  {credentials['secret']}  (store it now: it is not shown again)")
        if "ocpi_token" in credentials:
            click.echo(f"ocpi    {credentials['ocpi_token']}")


def _run(action: Any) -> dict[str, Any]:
    try:
        return asyncio.run(_with_services(load_settings(), action))
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc


async def _with_services(settings: Settings, action: Any) -> dict[str, Any]:
    from service.jobs.queue import unit_of_work
    from service.services import start_services, stop_services

    services = await start_services(settings, periodic=False)
    try:
        async with unit_of_work(services.database, services.queue) as session:
            return await action(session, services)
    finally:
        await stop_services(services)


async def _add(
    session: Any, services: Any, name: str, methodologies: list[str], ocpi: bool, vehicle_kind: str | None
) -> dict[str, Any]:
    from service.partners.admin import add_partner
    from service.partners.crypto import SecretBox

    box = SecretBox(services.settings.auth.secrets_key.get_secret_value())
    created = await add_partner(
        session, box, services.registry, name, methodologies, ocpi=ocpi, ocpi_vehicle_kind=vehicle_kind
    )
    out = {"id": created.id, "secret": created.secret}
    return out | ({"ocpi_token": created.ocpi_token} if created.ocpi_token else {})


async def _rotate(session: Any, services: Any, partner_id: int) -> dict[str, Any]:
    from service.partners.admin import rotate_secret
    from service.partners.crypto import SecretBox

    box = SecretBox(services.settings.auth.secrets_key.get_secret_value())
    rotated = await rotate_secret(session, box, partner_id, services.settings.partners.rotation_grace_hours)
    return {"id": rotated.id, "secret": rotated.secret}
