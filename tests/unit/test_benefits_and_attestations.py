"""Pure pieces of policy benefits and attestations: eligibility rules, tonnes, the family list the API
accepts, and the attestation key the embedded default generates once and keeps."""

from __future__ import annotations

import json
import typing
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import SecretStr

from methodologies._sdk.families import FAMILY_IDS
from service.achievements.totals import Totals
from service.attestations.keys import signing_keys
from service.attestations.service import tonnes
from service.benefits.eligibility import Rules, unmet
from service.benefits.schemas import FamilyId
from service.errors import Unavailable
from service.settings import KEYS_FILE, AttestationSettings, load_settings
from tests.integration.attestations.conftest import pem


def test_every_family_of_the_plan_and_no_other_is_accepted() -> None:
    assert typing.get_args(FamilyId) == FAMILY_IDS


@pytest.mark.parametrize(
    ("rules", "totals", "codes"),
    [
        (Rules(), Totals(0), []),
        (Rules(min_level=1), Totals(0), []),
        (Rules(min_level=2), Totals(999), ["level_too_low"]),
        (Rules(min_level=2), Totals(1_000), []),
        (Rules(min_lifetime_grams=5_000), Totals(4_999), ["lifetime_too_low"]),
        (Rules(family="online_payment"), Totals(50_000, {"public_transport": 3}), ["family_missing"]),
        (
            Rules(min_level=5, min_lifetime_grams=10, family="online_payment"),
            Totals(0),
            ["level_too_low", "lifetime_too_low", "family_missing"],
        ),
    ],
)
def test_eligibility_names_every_unmet_rule(rules: Rules, totals: Totals, codes: list[str]) -> None:
    assert [u.code for u in unmet(rules, totals)] == codes


def test_unmet_rules_say_what_is_missing_in_both_languages() -> None:
    [level, grams] = unmet(Rules(min_level=3, min_lifetime_grams=12_345), Totals(2_499))
    assert (level.zh, level.en) == (
        "需达到「小树」等级（当前「新叶」）",
        "needs level Sapling (you are Leaf)",
    )
    assert (grams.zh, grams.en) == (
        "累计减碳需达到 12.3 千克（当前 2.4 千克）",
        "needs 12.3 kg CO2e avoided in all (you have 2.4 kg)",
    )


@pytest.mark.parametrize(
    ("grams", "t"), [(0, 0.0), (499, 0.0), (500, 0.001), (1_234_567, 1.235), (10**9, 1000.0)]
)
def test_tonnes_round_half_up_to_three_decimals(grams: int, t: float) -> None:
    assert tonnes(grams) == t


def test_the_embedded_default_generates_one_attestation_key_and_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TANBI_ATTESTATIONS__KEYS", raising=False)
    first = load_settings(data_dir=tmp_path)
    again = load_settings(data_dir=tmp_path)
    assert list(first.attestations.keys) == ["a1"]
    assert (
        first.attestations.keys["a1"].get_secret_value() == again.attestations.keys["a1"].get_secret_value()
    )
    assert "BEGIN PRIVATE KEY" in json.loads((tmp_path / KEYS_FILE).read_text())["attestation_key"]
    kid, key = signing_keys(first.attestations).signer()
    token = jwt.encode({"x": 1}, key, algorithm="EdDSA")
    public = jwt.PyJWK(signing_keys(again.attestations).jwks()["keys"][0])
    assert (kid, jwt.decode(token, key=public, algorithms=["EdDSA"])) == ("a1", {"x": 1})


def test_a_configured_key_wins_and_without_any_nothing_is_signed(tmp_path: Path) -> None:
    own = pem(Ed25519PrivateKey.generate())
    configured = load_settings(
        data_dir=tmp_path, attestations=AttestationSettings(keys={"2026a": SecretStr(own)})
    )
    assert list(configured.attestations.keys) == ["2026a"]
    none = signing_keys(AttestationSettings())
    assert none.jwks() == {"keys": []}
    with pytest.raises(Unavailable):
        none.signer()
