"""Key rotation through the app, on both databases: a JWT kid rotated in keeps the old kid's tokens valid
until it is dropped; the secrets key rotated re-encrypts every sealed value so that partners' signed
requests verify with the new key and the old key opens nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import jwt
import pytest
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from pydantic import SecretStr

from service.audit.models import AuditEntry
from service.db.base import utcnow
from service.db.engine import Database
from service.errors import Invalid
from service.keys.rotation import add_jwt_kid, drop_jwt_kid, reseal_all
from service.methodology.registry import load_registry
from service.notifications.models import Subscription
from service.partners.admin import add_partner
from service.partners.crypto import SecretBox
from service.partners.models import PartnerSecret
from service.settings import Settings
from tests.integration.http.serving import serving
from tests.integration.partners.conftest import Signer

OLD_SECRETS_KEY, NEW_SECRETS_KEY = "test-secrets-key", "the-new-secrets-key"


def with_jwt_keys(settings: Settings, keys: dict[str, str], active_kid: str) -> Settings:
    auth = settings.auth.model_copy(
        update={"jwt_keys": {kid: SecretStr(key) for kid, key in keys.items()}, "active_kid": active_kid}
    )
    return settings.model_copy(update={"auth": auth})


def with_secrets_key(settings: Settings, key: str) -> Settings:
    auth = settings.auth.model_copy(update={"secrets_key": SecretStr(key)})
    return settings.model_copy(update={"auth": auth})


async def sign_in(http: httpx.AsyncClient) -> str:
    response = await http.post("/v1/auth/dev", json={"phone": "13800138000"})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def me(http: httpx.AsyncClient, token: str) -> int:
    return (await http.get("/v1/me", headers={"Authorization": f"Bearer {token}"})).status_code


async def test_a_rotated_jwt_kid_keeps_old_tokens_valid_until_it_is_dropped(
    settings: Settings, database: Database
) -> None:
    old_keys = {kid: key.get_secret_value() for kid, key in settings.auth.jwt_keys.items()}
    async with serving(settings, database) as http:
        old_token = await sign_in(http)
    assert jwt.get_unverified_header(old_token)["kid"] == "t1"

    rotated, kid = add_jwt_kid(old_keys, utcnow().date())
    async with serving(with_jwt_keys(settings, rotated, kid), database) as http:
        assert await me(http, old_token) == 200  # the old kid is still listed
        new_token = await sign_in(http)
        assert jwt.get_unverified_header(new_token)["kid"] == kid

    dropped = drop_jwt_kid(rotated, "t1", kid)
    async with serving(with_jwt_keys(settings, dropped, kid), database) as http:
        assert await me(http, old_token) == 401
        assert await me(http, new_token) == 200


async def _partner_and_subscription(settings: Settings, database: Database) -> tuple[Signer, str]:
    """A partner whose secret is sealed with the current key, and a resident's sealed WeChat openid."""
    box = SecretBox(OLD_SECRETS_KEY)
    async with serving(settings, database) as http:
        token = await sign_in(http)
        resident_id = int(jwt.decode(token, options={"verify_signature": False})["sub"])
    async with database.session() as session:
        created = await add_partner(session, box, load_registry(), "Gongqing Bus", ["bus_trip"])
        session.add(
            Subscription(
                resident_id=resident_id,
                kind="credits",
                template_id="tmpl-credits",
                openid_sealed=box.seal("openid-of-the-resident"),
                remaining=1,
                since=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
                updated_at=utcnow(),
            )
        )
    return Signer(created.id, created.secret), token


async def _sealed(database: Database) -> list[str]:
    async with database.session() as session:
        secrets = (await session.scalars(sa.select(PartnerSecret.encrypted))).all()
        openids = (await session.scalars(sa.select(Subscription.openid_sealed))).all()
    return [*secrets, *openids]


async def test_rotating_the_secrets_key_reencrypts_partner_secrets_and_openids(
    settings: Settings, database: Database
) -> None:
    assert settings.auth.secrets_key is not None
    assert settings.auth.secrets_key.get_secret_value() == OLD_SECRETS_KEY
    partner, _token = await _partner_and_subscription(settings, database)
    before = await _sealed(database)

    async with database.session() as session:
        done = await reseal_all(session, SecretBox(OLD_SECRETS_KEY), SecretBox(NEW_SECRETS_KEY))
    assert done.resealed == {"partner_secrets.encrypted": 1, "notification_subscriptions.openid_sealed": 1}
    assert done.already_new == 0

    after = await _sealed(database)
    assert len(after) == len(before) == 2
    for value in after:
        with pytest.raises(InvalidTag):
            SecretBox(OLD_SECRETS_KEY).open(value)
    assert SecretBox(NEW_SECRETS_KEY).open(after[0]) == partner.secret
    assert SecretBox(NEW_SECRETS_KEY).open(after[1]) == "openid-of-the-resident"

    async with serving(with_secrets_key(settings, NEW_SECRETS_KEY), database) as http:
        assert (await partner.get(http, "/events?limit=1")).status_code == 200

    async with database.session() as session:
        again = await reseal_all(session, SecretBox(OLD_SECRETS_KEY), SecretBox(NEW_SECRETS_KEY))
        audited = (
            await session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "keys.rotate_secrets"))
        ).all()
    assert sum(again.resealed.values()) == 0
    assert again.already_new == 2  # run again after it committed: nothing to do, nothing broken
    assert await _sealed(database) == after
    assert len(audited) == 2


async def test_a_value_neither_key_opens_stops_the_rotation_and_changes_nothing(
    settings: Settings, database: Database
) -> None:
    await _partner_and_subscription(settings, database)
    async with database.session() as session:
        session.add(
            PartnerSecret(
                partner_id=(await session.scalar(sa.select(sa.func.min(PartnerSecret.partner_id)))),
                encrypted=SecretBox("a-third-key").seal("whsec_lost"),
                created_at=utcnow(),
            )
        )
    before = await _sealed(database)
    with pytest.raises(Invalid, match="neither the current nor the new"):
        async with database.session() as session:
            await reseal_all(session, SecretBox(OLD_SECRETS_KEY), SecretBox(NEW_SECRETS_KEY))
    assert await _sealed(database) == before


def test_every_sealing_call_is_one_of_the_rotated_columns() -> None:
    """A new use of SecretBox.seal must add its column to service/keys/repository.py SEALED_COLUMNS, or a
    secrets-key rotation would leave it under the old key: this lists where sealing happens today."""
    service = Path(__file__).resolve().parents[3] / "service"
    sealing = {
        str(path.relative_to(service)) for path in service.rglob("*.py") if ".seal(" in path.read_text()
    }
    assert sealing == {
        "partners/admin.py",  # partner_secrets.encrypted
        "notifications/service.py",  # notification_subscriptions.openid_sealed
        "keys/rotation.py",  # the rotation itself
    }
