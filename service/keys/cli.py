"""``tanbi keys generate|rotate-jwt|drop-jwt|rotate-secrets``: what prints goes to stdout in ``.env`` form,
what it means goes to stderr, so ``>> .env`` takes only the lines."""

from __future__ import annotations

import asyncio
import json

import click

from service.db.base import utcnow
from service.errors import DomainError
from service.keys.generate import env_lines, fresh_keys, random_key
from service.keys.rotation import Resealed, add_jwt_kid, drop_jwt_kid
from service.settings import KEYS_FILE, Settings, load_settings


@click.group("keys")
def keys_group() -> None:
    """Tanbi's keys: generate a full set, rotate the JWT keys, rotate the secrets key.

    Outside the embedded default (TANBI_DATABASE_URL set) every key must be given: TANBI_AUTH__JWT_KEYS,
    TANBI_AUTH__HASH_KEY, TANBI_AUTH__SECRETS_KEY and TANBI_ATTESTATIONS__KEYS. Back them up with the
    database (docs/operations.md, "Keys").

    The hash key (TANBI_AUTH__HASH_KEY) cannot be rotated: phone numbers, WeChat openids and partner
    subjects are kept only as its one-way hashes, so under a new key no resident or binding would be
    found again. Losing it is losing who everyone is.
    """


@keys_group.command("generate")
def generate() -> None:
    """Print a fresh full set of keys in .env form: tanbi keys generate >> .env"""
    click.echo(env_lines(fresh_keys(utcnow().date())), nl=False)


@keys_group.command("rotate-jwt")
def rotate_jwt() -> None:
    """Print TANBI_AUTH__JWT_KEYS with a new kid added and TANBI_AUTH__ACTIVE_KID naming it.

    The old kids stay, so tokens they signed verify until they expire; drop an old kid (tanbi keys
    drop-jwt KID) once every process signs with the new one and the access token lifetime has passed.
    """
    keys, _active = _jwt_keys()
    rotated, kid = add_jwt_kid(keys, utcnow().date())
    click.echo(
        env_lines({"TANBI_AUTH__JWT_KEYS": json.dumps(rotated), "TANBI_AUTH__ACTIVE_KID": kid}), nl=False
    )
    click.echo(
        f"replace both lines in .env and restart every API process; {kid} signs from then on", err=True
    )


@keys_group.command("drop-jwt")
@click.argument("kid")
def drop_jwt(kid: str) -> None:
    """Print TANBI_AUTH__JWT_KEYS without KID: tokens it signed are refused once the processes restart."""
    keys, active = _jwt_keys()
    try:
        remaining = drop_jwt_kid(keys, kid, active)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(env_lines({"TANBI_AUTH__JWT_KEYS": json.dumps(remaining)}), nl=False)


@keys_group.command("rotate-secrets")
@click.option(
    "--new-key", help="The new secrets key (default: a fresh one, printed before anything changes)."
)
def rotate_secrets(new_key: str | None) -> None:
    """Re-encrypt every value sealed with TANBI_AUTH__SECRETS_KEY (partners' webhook secrets, residents'
    WeChat openids) under a new key, in one transaction, and print the new key's .env line.

    Stop the API and the workers first (a process still on the old key cannot open what is re-encrypted),
    then put the printed line in .env and start them again. Run again with the same --new-key, it changes
    nothing: safe after an interruption.
    """
    settings = _current_settings()
    if settings.auth.secrets_key is None:
        raise click.ClickException("TANBI_AUTH__SECRETS_KEY is not set: there is no key to rotate from")
    old = settings.auth.secrets_key.get_secret_value()
    new = new_key or random_key()
    if new == old:
        raise click.ClickException("the new secrets key is the current one")
    # Printed before anything changes: whatever happens next, the key that may seal the data is on record.
    click.echo(env_lines({"TANBI_AUTH__SECRETS_KEY": new}), nl=False)
    try:
        done = asyncio.run(_reseal(settings.resolved_database_url, old, new))
    except DomainError as exc:
        raise click.ClickException(f"{exc.detail}; nothing was changed") from exc
    if _key_from_keys_file(settings):
        _store_in_keys_file(settings, new)
        click.echo(f"the new key is stored in {settings.data_dir / KEYS_FILE} too", err=True)
    counts = ", ".join(f"{n} {column}" for column, n in done.resealed.items())
    click.echo(f"re-encrypted {counts} ({done.already_new} already under the new key)", err=True)


def _current_settings() -> Settings:
    """The environment's keys; on the embedded default those of the data folder's keys.json."""
    settings = Settings()
    return load_settings() if settings.embedded else settings


def _jwt_keys() -> tuple[dict[str, str], str | None]:
    settings = _current_settings()
    if not settings.auth.jwt_keys:
        raise click.ClickException("TANBI_AUTH__JWT_KEYS is not set: `tanbi keys generate` prints a full set")
    keys = {kid: key.get_secret_value() for kid, key in settings.auth.jwt_keys.items()}
    return keys, settings.auth.active_kid


async def _reseal(url: str, old: str, new: str) -> Resealed:
    from service.db.engine import Database
    from service.keys.rotation import reseal_all
    from service.partners.crypto import SecretBox

    database = Database.from_url(url)
    try:
        async with database.session() as session:  # commits when the block ends cleanly
            return await reseal_all(session, SecretBox(old), SecretBox(new))
    finally:
        await database.dispose()


def _key_from_keys_file(settings: Settings) -> bool:
    """True on the embedded default when the environment gave no secrets key (keys.json did)."""
    return settings.embedded and Settings().auth.secrets_key is None


def _store_in_keys_file(settings: Settings, key: str) -> None:
    path = settings.data_dir / KEYS_FILE
    stored = json.loads(path.read_text())
    stored["secrets_key"] = key
    path.write_text(json.dumps(stored))
    path.chmod(0o600)
