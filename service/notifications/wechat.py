"""WeChat's subscribe-message API: an access token, then ``subscribeMessage.send``.

- ``POST {base_url}/cgi-bin/stable_token {"grant_type": "client_credential", "appid", "secret"}`` answers
  ``{"access_token", "expires_in"}``. The stable token, not ``cgi-bin/token``: asking again returns the same
  token while it is valid, so several workers asking each run never invalidate each other's token.
- ``POST {base_url}/cgi-bin/message/subscribe/send?access_token=... {"touser", "template_id", "page",
  "data", "miniprogram_state", "lang"}`` answers ``{"errcode": 0, "errmsg": "ok"}`` or an errcode.

Results are typed: ``Sent``, ``Refused`` (never retried: 43101 the user has no subscription left, 40003 a
bad openid, 47003 data the template refuses) and ``Retry`` (HTTP errors, timeouts, -1 system busy, an
expired token, anything unknown).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from service.settings import WechatSettings

REFUSED_FOR_GOOD = {
    43101: "user refused: no subscription left",
    40003: "invalid openid",
    40037: "invalid template_id",
    47003: "template data refused",
}
TOKEN_EXPIRED = {40001, 42001, 40014}


@dataclass(frozen=True)
class Sent:
    pass


@dataclass(frozen=True)
class Refused:
    errcode: int
    reason: str


@dataclass(frozen=True)
class Retry:
    reason: str


Outcome = Sent | Refused | Retry


class SubscribeClient:
    """One client per job run; the access token is fetched once per run that has something to send."""

    def __init__(self, settings: WechatSettings) -> None:
        assert settings.app_id
        assert settings.app_secret is not None
        self.settings = settings
        self.http = httpx.AsyncClient(base_url=settings.base_url, timeout=settings.timeout_seconds)
        self._token: str | None = None

    async def close(self) -> None:
        await self.http.aclose()

    async def token(self) -> str:
        if self._token is None:
            assert self.settings.app_secret is not None
            response = await self.http.post(
                "/cgi-bin/stable_token",
                json={
                    "grant_type": "client_credential",
                    "appid": self.settings.app_id,
                    "secret": self.settings.app_secret.get_secret_value(),
                },
            )
            response.raise_for_status()
            body = response.json()
            token = body.get("access_token") if isinstance(body, dict) else None
            if not isinstance(token, str) or not token:
                raise ValueError(
                    f"no access token (errcode {body.get('errcode') if isinstance(body, dict) else '?'})"
                )
            self._token = token
        return self._token

    async def send(self, message: dict[str, Any]) -> Outcome:
        try:
            token = await self.token()
            response = await self.http.post(
                "/cgi-bin/message/subscribe/send", params={"access_token": token}, json=message
            )
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            return Retry(f"WeChat did not answer: {type(exc).__name__} {str(exc)[:120]}")
        errcode = body.get("errcode", 0) if isinstance(body, dict) else None
        if errcode == 0:
            return Sent()
        if errcode in TOKEN_EXPIRED:
            self._token = None
        if isinstance(errcode, int) and errcode in REFUSED_FOR_GOOD:
            return Refused(errcode, REFUSED_FOR_GOOD[errcode])
        return Retry(f"errcode {errcode}")
