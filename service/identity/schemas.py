"""Request and response bodies of the identity routes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DevLogin(StrictBody):
    phone: str = Field(min_length=6, max_length=24, examples=["13800138000"])


class WechatLogin(StrictBody):
    code: str = Field(min_length=1, max_length=128, description="the code from the mini-program's wx.login")


class ApiKeyLogin(StrictBody):
    api_key: str = Field(min_length=8, max_length=128)


class AccessTokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int


class RefreshRequest(StrictBody):
    refresh_token: str = Field(min_length=8, max_length=128)


class TokenPairOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int = Field(description="seconds until the access token expires")


class MeOut(BaseModel):
    id: int
    role: Literal["resident"] = "resident"
    display_name: str | None
    district: str | None = None
    created_at: dt.datetime


class MePatch(BaseModel):
    """The profile fields a resident may change (a JSON null clears one)."""

    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, max_length=64)
    district: str | None = Field(default=None, max_length=32)
