"""Mini-program sign-in: exchange a ``wx.login`` code for the user's openid (and unionid) with WeChat.

``GET {base_url}/sns/jscode2session?appid&secret&js_code&grant_type=authorization_code`` answers
``{"openid", "session_key", "unionid"?}`` or ``{"errcode", "errmsg"}``. Only keyed hashes of openid and
unionid are stored; the session key is never kept. Nothing is created unless WeChat vouched for the code.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from service.errors import BadGateway, Unauthorized, Unavailable
from service.settings import WechatSettings

INVALID_CODE = 40029  # "invalid code": expired, used, or not from this app
INVALID_CODE_ERROR = "wechat_invalid_code"


@dataclass(frozen=True)
class WechatIdentity:
    openid: str
    unionid: str | None


async def exchange_code(settings: WechatSettings, code: str) -> WechatIdentity:
    if not settings.app_id or settings.app_secret is None:
        raise Unavailable("WeChat sign-in is not configured here", code="wechat_not_configured")
    params = {
        "appid": settings.app_id,
        "secret": settings.app_secret.get_secret_value(),
        "js_code": code,
        "grant_type": "authorization_code",
    }
    try:
        async with httpx.AsyncClient(base_url=settings.base_url, timeout=settings.timeout_seconds) as client:
            response = await client.get("/sns/jscode2session", params=params)
        response.raise_for_status()
        body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise BadGateway("WeChat did not answer; try again", code="wechat_unavailable") from exc
    return _identity(body)


def _identity(body: object) -> WechatIdentity:
    if not isinstance(body, dict):
        raise BadGateway("WeChat answered something unexpected", code="wechat_unavailable")
    errcode = body.get("errcode") or 0
    if errcode == INVALID_CODE:
        raise Unauthorized(
            "the WeChat login code is invalid or used; call wx.login again", code="wechat_invalid_code"
        )
    if errcode:
        raise BadGateway(
            f"WeChat refused the sign-in (errcode {errcode})", code="wechat_error", extra={"errcode": errcode}
        )
    openid = body.get("openid")
    if not isinstance(openid, str) or not openid:
        raise BadGateway("WeChat answered without an openid", code="wechat_unavailable")
    unionid = body.get("unionid")
    return WechatIdentity(openid, unionid if isinstance(unionid, str) and unionid else None)
