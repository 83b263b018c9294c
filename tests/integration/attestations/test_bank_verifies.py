"""A bank verifies a resident's attestation: offline against the JWKS (signature, exp, iss, aud), reading
only the disclosed claims, then online for revocation. Forged, tampered and expired tokens fail."""

from __future__ import annotations

import base64
import datetime as dt
import json

import jwt
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from service.achievements.rules import level_of
from service.achievements.totals import grams_between
from service.attestations import service as attestations
from service.attestations.models import Attestation
from service.db.base import utcnow
from service.identity.principal import Role
from tests.integration.benefits.conftest import DAYS, traveller

BANK = "绿色银行 Green Bank"


async def _bank_reads(client, settings, token: str, audience: str = BANK) -> dict:  # type: ignore[no-untyped-def]
    """What the bank does offline: the JWKS once, the key the token's kid names, PyJWT's full check."""
    jwks = jwt.PyJWKSet.from_dict((await client.get("/.well-known/jwks.json")).json())
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwks.keys if k.key_id == kid)
    return jwt.decode(
        token,
        key=key,
        algorithms=["EdDSA"],
        audience=audience,
        issuer=settings.public_url,
        options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
    )


async def _online(client, jti: str) -> str:  # type: ignore[no-untyped-def]
    answer = await client.get(f"/v1/attestations/{jti}")
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == {"id", "status", "expires_at", "checked_at"}  # nothing about the resident
    return str(answer.json()["status"])


async def test_the_bank_verifies_offline_and_online_until_revoked(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    resident, grams = await traveller(database, settings, registry, days=3)
    me = bearer(Role.RESIDENT, str(resident))
    period = {"from": DAYS[0].isoformat(), "to": DAYS[1].isoformat()}
    body = {"audience": BANK, "level": True, "lifetime": True, "period": period, "days": 10}
    created = await client.post("/v1/me/attestations", json=body, headers=me)
    assert created.status_code == 201, created.text
    answer = created.json()
    assert (answer["kid"], answer["disclosed"], answer["status"]) == (
        "a2",
        ["level", "lifetime", "period"],
        "valid",
    )

    claims = await _bank_reads(client, settings, answer["token"])
    assert set(claims) == {"iss", "aud", "sub", "jti", "iat", "exp", "level", "lifetime_tco2e", "period"}
    level, _ = level_of(grams)
    assert claims["level"] == {"number": level.number, "name_zh": level.zh, "name_en": level.en}
    assert claims["lifetime_tco2e"] == attestations.tonnes(grams)
    async with database.session() as session:
        two_days = await grams_between(session, resident, DAYS[0], DAYS[1], settings.zone)
        assert await grams_between(session, resident, DAYS[0], DAYS[2], settings.zone) == grams
    assert 0 < two_days < grams  # the period counts its own days only
    assert claims["period"] == {
        "from": "2026-11-02",
        "to": "2026-11-03",
        "tco2e": attestations.tonnes(two_days),
    }
    assert claims["jti"] == answer["id"]
    assert claims["sub"] != str(resident)
    assert claims["exp"] - claims["iat"] == 10 * 86400
    assert dt.datetime.fromtimestamp(claims["exp"], dt.UTC) == dt.datetime.fromisoformat(answer["expires_at"])

    assert await _online(client, answer["id"]) == "valid"
    stranger = bearer(Role.RESIDENT, "999999")
    assert (
        await client.post(f"/v1/me/attestations/{answer['id']}/revoke", headers=stranger)
    ).status_code in (
        401,
        404,
    )
    revoked = await client.post(f"/v1/me/attestations/{answer['id']}/revoke", headers=me)
    assert (revoked.status_code, revoked.json()["status"]) == (200, "revoked")
    assert await _online(client, answer["id"]) == "revoked"
    listed = (await client.get("/v1/me/attestations", headers=me)).json()["items"]
    assert [(a["id"], a["status"]) for a in listed] == [(answer["id"], "revoked")]
    unknown = await client.get("/v1/attestations/nope")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "attestation_not_found")


async def test_only_what_the_resident_chose_is_disclosed(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    resident, _ = await traveller(database, settings, registry, days=1)
    me = bearer(Role.RESIDENT, str(resident))
    created = await client.post("/v1/me/attestations", json={"audience": BANK, "level": True}, headers=me)
    claims = await _bank_reads(client, settings, created.json()["token"])
    assert set(claims) == {"iss", "aud", "sub", "jti", "iat", "exp", "level"}
    assert claims["exp"] - claims["iat"] == 30 * 86400  # the default lifetime
    other = await client.post("/v1/me/attestations", json={"audience": BANK, "level": True}, headers=me)
    assert (await _bank_reads(client, settings, other.json()["token"]))["sub"] != claims["sub"]  # unlinkable
    with pytest.raises(jwt.InvalidAudienceError):
        await _bank_reads(client, settings, created.json()["token"], audience="another bank")


async def test_forged_tampered_and_expired_tokens_fail(client, database, settings, registry, bearer) -> None:  # type: ignore[no-untyped-def]
    resident, _ = await traveller(database, settings, registry, days=1)
    me = bearer(Role.RESIDENT, str(resident))
    token = (
        await client.post("/v1/me/attestations", json={"audience": BANK, "lifetime": True}, headers=me)
    ).json()["token"]
    claims = await _bank_reads(client, settings, token)

    forged = jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": "a2"})
    with pytest.raises(jwt.InvalidSignatureError):
        await _bank_reads(client, settings, forged)

    header, _payload, signature = token.split(".")
    bigger = {**claims, "lifetime_tco2e": claims["lifetime_tco2e"] + 100}
    raw = base64.urlsafe_b64encode(json.dumps(bigger).encode()).rstrip(b"=").decode()
    with pytest.raises(jwt.InvalidSignatureError):
        await _bank_reads(client, settings, f"{header}.{raw}.{signature}")

    async with database.session() as session:
        old, expired = await attestations.create(
            session,
            settings,
            resident,
            attestations.Disclosure(audience=BANK, lifetime=True, days=1),
            utcnow() - dt.timedelta(days=2),
        )
        await session.commit()
    with pytest.raises(jwt.ExpiredSignatureError):
        await _bank_reads(client, settings, expired)
    assert await _online(client, old.jti) == "expired"


async def test_refusals_change_nothing(client, database, settings, registry, bearer) -> None:  # type: ignore[no-untyped-def]
    resident, _ = await traveller(database, settings, registry, days=1)
    me = bearer(Role.RESIDENT, str(resident))
    nothing = await client.post("/v1/me/attestations", json={"audience": BANK}, headers=me)
    assert (nothing.status_code, nothing.json()["code"]) == (422, "nothing_disclosed")
    future = utcnow().date() + dt.timedelta(days=2)
    ahead = {"from": DAYS[0].isoformat(), "to": future.isoformat()}
    late = await client.post("/v1/me/attestations", json={"audience": BANK, "period": ahead}, headers=me)
    assert (late.status_code, late.json()["code"]) == (422, "invalid_range")
    ancient = {"from": "0001-01-01", "to": DAYS[0].isoformat()}
    early = await client.post("/v1/me/attestations", json={"audience": BANK, "period": ancient}, headers=me)
    assert (early.status_code, early.json()["code"]) == (422, "validation_error")
    backwards = {"from": DAYS[1].isoformat(), "to": DAYS[0].isoformat()}
    reversed_ = await client.post(
        "/v1/me/attestations", json={"audience": BANK, "period": backwards}, headers=me
    )
    assert (reversed_.status_code, reversed_.json()["code"]) == (422, "invalid_range")
    long = await client.post(
        "/v1/me/attestations", json={"audience": BANK, "level": True, "days": 366}, headers=me
    )
    assert (long.status_code, long.json()["code"]) == (422, "validation_error")
    extra = await client.post(
        "/v1/me/attestations", json={"audience": BANK, "level": True, "phone": True}, headers=me
    )
    assert extra.status_code == 422  # nothing but level, lifetime and a period can be disclosed
    async with database.session() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Attestation)) == 0


async def test_the_jwks_publishes_every_key_and_the_newest_signs(client, city_keys) -> None:  # type: ignore[no-untyped-def]
    jwks = (await client.get("/.well-known/jwks.json")).json()
    assert [(k["kid"], k["kty"], k["crv"], k["alg"], k["use"]) for k in jwks["keys"]] == [
        ("a1", "OKP", "Ed25519", "EdDSA", "sig"),
        ("a2", "OKP", "Ed25519", "EdDSA", "sig"),
    ]
    assert all(set(k) == {"kid", "kty", "crv", "alg", "use", "x"} for k in jwks["keys"])  # no private "d"
    a1 = jwt.PyJWK(jwks["keys"][0])
    token = jwt.encode({"aud": BANK}, city_keys["a1"], algorithm="EdDSA", headers={"kid": "a1"})
    assert jwt.decode(token, key=a1, algorithms=["EdDSA"], audience=BANK) == {"aud": BANK}


async def test_deleting_the_account_revokes_its_attestations(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    resident, _ = await traveller(database, settings, registry, days=1)
    me = bearer(Role.RESIDENT, str(resident))
    made = [
        (await client.post("/v1/me/attestations", json={"audience": BANK, "level": True}, headers=me)).json()
        for _ in range(2)
    ]
    assert [await _online(client, a["id"]) for a in made] == ["valid", "valid"]
    assert (await client.delete("/v1/me", headers=me)).status_code == 204
    assert [await _online(client, a["id"]) for a in made] == ["revoked", "revoked"]
