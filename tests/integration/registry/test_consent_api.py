"""Consent through /v1/me: opt-in, shown, kept on a repeat, withdrawn; anything but a boolean is refused."""

from __future__ import annotations

import sqlalchemy as sa

from service.identity.principal import Role
from service.registry.models import PoolingConsent
from tests.integration.actions.conftest import new_resident


async def test_consent_is_given_shown_and_withdrawn_through_me(client, database, bearer) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await new_resident(session, "13600000001")
        await session.commit()
    me = bearer(Role.RESIDENT, str(resident))
    assert (await client.get("/v1/me", headers=me)).json()["pooling_consent_since"] is None
    given = await client.patch("/v1/me", json={"pooling_consent": True}, headers=me)
    assert given.status_code == 200
    since = given.json()["pooling_consent_since"]
    assert since is not None
    again = await client.patch("/v1/me", json={"pooling_consent": True, "display_name": "小林"}, headers=me)
    assert again.json()["pooling_consent_since"] == since
    assert (await client.get("/v1/me", headers=me)).json()["pooling_consent_since"] == since
    withdrawn = await client.patch("/v1/me", json={"pooling_consent": False}, headers=me)
    assert withdrawn.json()["pooling_consent_since"] is None
    refused = await client.patch("/v1/me", json={"pooling_consent": "yes"}, headers=me)
    assert refused.status_code == 422
    assert refused.json()["code"] == "validation_error"
    async with database.session() as session:
        changes = (await session.scalars(sa.select(PoolingConsent.granted).order_by(PoolingConsent.id))).all()
    assert changes == [True, False]
