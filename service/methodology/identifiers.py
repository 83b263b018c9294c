"""Identifiers in evidence (plates, account and order numbers, IMEIs) replaced by Tanbi's keyed hash.

Done once, at the partner boundary, before anything is stored: the evidence Tanbi keeps and hands the
methodologies carries ``hk1:`` + HMAC-SHA256(hash key, "<kind>:<normalised value>"). The kind, not the
partner, is in the hashed text, so the same plate reported by a telematics platform and a parking operator
is one car. Normalising (Unicode NFKC, no spaces or separators, upper case) makes "赣G 12345" and
"赣g-12345" the same plate.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from methodologies._sdk import HASHED, Methodology
from service.identity.service import keyed_hash

SEPARATORS = re.compile(r"[\s\-_·.．・/]+")


class PreHashed(ValueError):
    """A value that already looks like Tanbi's hash: partners send identifiers, Tanbi hashes them."""


def normalise(value: str) -> str:
    return SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).upper()


def hash_identifier(hash_key: bytes, kind: str, value: str) -> str:
    return "hk1:" + keyed_hash(hash_key, f"{kind}:{normalise(value)}")


def hash_identifiers(methodology: Methodology, evidence: dict[str, Any], hash_key: bytes) -> dict[str, Any]:
    """``evidence`` (validated, as JSON) with every identifier field replaced by its keyed hash.

    Raises PreHashed (naming the field) for a value already in the hashed form: a partner never holds
    Tanbi's hashes, so such a value is a replay of stored data or a forgery, and is refused.
    """
    out = dict(evidence)
    for name, kind in methodology.Evidence.identifiers().items():
        value = out.get(name)
        if value is None:
            continue
        if HASHED.match(str(value)):
            raise PreHashed(name)
        out[name] = hash_identifier(hash_key, kind, str(value))
    return out
