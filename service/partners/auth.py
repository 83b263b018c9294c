"""Partner requests are authenticated by the Standard Webhooks scheme, GETs included (empty body)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from service.errors import NotFound, Unauthorized
from service.partners.crypto import SecretBox, signature_matches
from service.partners.models import Partner
from service.partners.repository import PartnerRepository

UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


async def authenticate(
    repo: PartnerRepository,
    box: SecretBox,
    partner_id: int,
    headers: Mapping[str, str],
    body: bytes,
    now: dt.datetime,
    tolerance_seconds: int,
) -> tuple[Partner, str]:
    """The partner and the webhook-id, if the request is signed by one of its valid secrets."""
    partner = await repo.partner(partner_id)
    if partner is None:
        raise NotFound(f"no partner {partner_id}", code="unknown_partner")
    webhook_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signature = headers.get("webhook-signature", "")
    if not (webhook_id and timestamp and signature) or len(webhook_id) > 128:
        raise Unauthorized(
            "sign the request: webhook-id, webhook-timestamp and webhook-signature headers",
            code="bad_signature",
        )
    # ASCII digits only, and few of them: str.isdigit() takes "²" and int() overflows a float comparison.
    if not UNIX_SECONDS.fullmatch(timestamp):
        raise Unauthorized("webhook-timestamp must be Unix seconds", code="bad_signature")
    if abs(now.timestamp() - int(timestamp)) > tolerance_seconds:
        raise Unauthorized(
            f"webhook-timestamp is more than {tolerance_seconds} s away from now", code="stale_timestamp"
        )
    secrets = [box.open(row.encrypted) for row in await repo.valid_secrets(partner.id, now)]
    if not signature_matches(secrets, webhook_id, timestamp, body, signature):
        raise Unauthorized("the webhook signature does not match", code="bad_signature")
    return partner, webhook_id
