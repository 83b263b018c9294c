"""``tanbi``: the operator's command line (serve, worker, migrate, ledger verify)."""

from __future__ import annotations

import asyncio
import json
import logging
import sys

import click

from service.settings import MissingKeys, Settings, load_settings


def _settings() -> Settings:
    return load_settings()


class _Tanbi(click.Group):
    """The command group: a production command started without its keys ends with the message naming the
    missing variables (exit 1), not with a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except MissingKeys as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Tanbi)
def main() -> None:
    """Tanbi (碳币): carbon-inclusive points service."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--demo", is_flag=True, help="Seed demo data (once; later starts keep it).")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="API processes (production only: the embedded default runs its jobs in its one process).",
)
def serve(host: str, port: int, demo: bool, workers: int) -> None:
    """Migrate the database to head, then serve the API."""
    import uvicorn

    from service.app import create_app
    from service.db.migrate import upgrade

    settings = _settings()
    _log_as(settings)
    upgrade(settings.resolved_database_url)
    if demo:
        summary = asyncio.run(_seed_demo(settings))
        city = summary.city.get("residents", 0)
        click.echo(
            f"demo: {city} city residents, and {summary.residents} with wallets to sign in as: "
            f"POST /v1/auth/dev, e.g. phone {summary.phones[0]}"
        )
        for methodology_id, partner in sorted(summary.partners.items()):
            click.echo(f"demo partner for {methodology_id}: id {partner['id']}, secret {partner['secret']}")
            if partner.get("ocpi_token"):
                click.echo(f"  its OCPI token (Authorization: Token ...): {partner['ocpi_token']}")
        if merchant := summary.city.get("merchant"):
            click.echo(f"demo merchant (the tea house): id {merchant['id']}, key {merchant['api_key']}")
    base = _printed_base(settings, host, port)
    mode = "embedded (SQLite, in-process jobs)" if settings.embedded else "production (PostgreSQL)"
    click.echo(f"Tanbi on {mode}: database {_redact(settings.resolved_database_url)}")
    click.echo(f"  API docs      {base}/schema/swagger")
    click.echo(f"  OpenAPI JSON  {base}/schema/openapi.json")
    click.echo(f"  Health        {base}/healthz   Ready: {base}/readyz")
    click.echo(f"  Dashboard     {base}/dashboard")
    if demo and summary.city.get("city_user"):
        click.echo(f"  Demo city     {base}/dashboard#key={summary.city['city_user']['api_key']}")
    if workers > 1:
        if settings.embedded:
            raise click.UsageError(
                "--workers needs PostgreSQL (TANBI_DATABASE_URL); the embedded default runs one"
            )
        from service.metrics.multiprocess import shared_folder

        # Each process counts its own requests; the shared folder lets any of them answer for all.
        with shared_folder():
            uvicorn.run(
                "service.app:app_from_environment",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                **_logging(settings),
                **_proxy_trust(settings),
            )
        return
    uvicorn.run(create_app(settings), host=host, port=port, **_logging(settings), **_proxy_trust(settings))


def _printed_base(settings: Settings, host: str, port: int) -> str:
    """TANBI_PUBLIC_URL when it is set (behind a proxy the listening address is not where people go)."""
    if "public_url" in settings.model_fields_set:
        return settings.public_url.rstrip("/")
    return f"http://{host}:{port}"


def _logging(settings: Settings) -> dict[str, object]:
    """uvicorn's logging, with our access log (service/http/access_log.py: its line carries the request
    id) instead of uvicorn's, as JSON or text (TANBI_LOG_FORMAT). Given as uvicorn's log config so that
    every worker process gets it too."""
    from service.observability.logs import logging_config

    config = logging_config(settings.resolved_log_format)
    return {"log_config": config, "log_level": "info", "access_log": False}


def _log_as(settings: Settings) -> None:
    """This process's lines as TANBI_LOG_FORMAT says (before uvicorn takes over, and in the worker)."""
    from service.observability.logs import configure_logging

    configure_logging(settings.resolved_log_format)


def _proxy_trust(settings: Settings) -> dict[str, object]:
    """uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise; Tanbi believes no proxy but
    those TANBI_FORWARDED_ALLOW_IPS names."""
    trusted = settings.forwarded_allow_ips
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or ""}


async def _seed_demo(settings: Settings):  # type: ignore[no-untyped-def]
    from service.demo import seed_demo
    from service.services import start_services, stop_services

    services = await start_services(settings, periodic=False)
    try:
        return await seed_demo(settings, services.database, services.queue, services.registry)
    finally:
        await stop_services(services)


@main.command()
@click.option("--burst", is_flag=True, help="Run queued jobs, then exit (no cron).")
def worker(burst: bool) -> None:
    """Run the arq worker: queued jobs plus the periodic ones (hold timeouts, expiry). Needs Redis."""
    from arq.worker import Worker

    from service.jobs.worker import worker_settings

    settings = _settings()
    _log_as(settings)
    if not settings.redis_url:
        raise click.UsageError("the worker needs TANBI_REDIS_URL; without it `tanbi serve` runs jobs itself")
    Worker(**worker_settings(settings), burst=burst).run()


@main.command()
@click.option("--revision", default="head", show_default=True, help="Upgrade to this revision.")
@click.option("--downgrade", "down_to", default=None, help="Downgrade to this revision instead (e.g. base).")
def migrate(revision: str, down_to: str | None) -> None:
    """Bring the database schema to a revision (default: the newest)."""
    from service.db.migrate import downgrade, upgrade

    # The schema needs no keys: migrate runs before they need to be in place.
    url = Settings().resolved_database_url
    if down_to is not None:
        downgrade(url, down_to)
        click.echo(f"database downgraded to {down_to}")
    else:
        upgrade(url, revision)
        click.echo(f"database at {revision}")


@main.group()
def ledger() -> None:
    """Ledger operations."""


@ledger.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def ledger_verify(as_json: bool) -> None:
    """Check every ledger invariant; exit 1 on any mismatch."""
    report = asyncio.run(_verify(_settings()))
    click.echo(json.dumps(report.as_dict(), indent=2) if as_json else report.as_text())
    sys.exit(0 if report.ok else 1)


async def _verify(settings: Settings):  # type: ignore[no-untyped-def]
    from service.actions.keys import CREDIT_PATH_CHECKS
    from service.db.engine import Database
    from service.ledger.verify import verify_ledger

    database = Database.from_url(settings.resolved_database_url)
    try:
        async with database.session() as session:
            return await verify_ledger(session, *CREDIT_PATH_CHECKS)
    finally:
        await database.dispose()


def _register_subcommands() -> None:
    from service.actions.cli import action_group
    from service.city.cli import city_group, rollup_group
    from service.identity.cli import city_user_group
    from service.keys.cli import keys_group
    from service.merchants.cli import merchant_group
    from service.partners.cli import partner_group
    from service.registry.cli import registry_group

    main.add_command(action_group)
    main.add_command(partner_group)
    main.add_command(merchant_group)
    main.add_command(city_user_group)
    main.add_command(rollup_group)
    main.add_command(city_group)
    main.add_command(registry_group)
    main.add_command(keys_group)


_register_subcommands()


def _redact(url: str) -> str:
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)
