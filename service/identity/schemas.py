"""Request and response bodies of the identity routes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator


class StrictBody(BaseModel):
    """A request body that refuses unknown fields and strips whitespace around strings."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DevLogin(StrictBody):
    """Sign-in by phone number with the dev identity provider (only where it is enabled)."""

    phone: str = Field(
        min_length=6,
        max_length=24,
        examples=["13800138000"],
        description=(
            "the resident's phone number: 6 to 15 digits, optionally after a +; spaces, dashes and "
            "parentheses are ignored and a +86 prefix is dropped. The first sign-in creates the resident"
        ),
    )


class WechatLogin(StrictBody):
    """Sign-in from the WeChat mini-program."""

    code: str = Field(
        min_length=1,
        max_length=128,
        description="the code from the mini-program's wx.login; the first sign-in creates the resident",
    )


class ApiKeyLogin(StrictBody):
    """An API key to trade for a short-lived access token."""

    api_key: str = Field(
        min_length=8,
        max_length=128,
        description="a merchant's API key (starts with mk_) or a city user's or auditor's (starts with ck_)",
    )


class AccessTokenOut(BaseModel):
    """An access token from an API key. A merchant's till also gets a refresh token; a city user trades the
    key again when the access token expires."""

    access_token: str = Field(description="a signed JWT; send it as 'Authorization: Bearer <access_token>'")
    refresh_token: str | None = Field(
        default=None,
        description=(
            "merchants only (null for city users and auditors): opaque and single-use, pass it to "
            "POST /v1/auth/refresh for the next pair (30 days by default). Presenting a spent one revokes "
            "that sign-in's refresh tokens, and rotating the merchant's key revokes all of them"
        ),
    )
    token_type: Literal["bearer"] = Field(
        default="bearer", description="always bearer (OAuth 2.0 token type)"
    )
    expires_in: int = Field(description="seconds until the access token expires")


class RefreshRequest(StrictBody):
    """A refresh token, to rotate or to revoke."""

    refresh_token: str = Field(
        min_length=8, max_length=128, description="the refresh token of the last token pair (starts with rt_)"
    )


class TokenPairOut(BaseModel):
    """A resident's access token and the single-use refresh token that gets the next pair."""

    access_token: str = Field(description="a signed JWT; send it as 'Authorization: Bearer <access_token>'")
    refresh_token: str = Field(
        description=(
            "opaque and single-use: pass it to POST /v1/auth/refresh for the next pair before it expires "
            "(30 days after issue by default). Presenting a spent one revokes every refresh token of that "
            "sign-in: the resident must sign in again"
        )
    )
    token_type: Literal["bearer"] = Field(
        default="bearer", description="always bearer (OAuth 2.0 token type)"
    )
    expires_in: int = Field(description="seconds until the access token expires")


class MeOut(BaseModel):
    """The signed-in resident's profile."""

    id: int = Field(description="the resident's id")
    role: Literal["resident"] = Field(default="resident", description="always resident")
    display_name: str | None = Field(description="the name the resident chose; null until set")
    district: str | None = Field(
        default=None,
        description="code of the city district the resident gave in their profile; null until set",
    )
    created_at: dt.datetime = Field(description="when the account was created (ISO 8601 timestamp, UTC)")
    pooling_consent_since: dt.datetime | None = Field(
        default=None,
        description=(
            "since when the resident lets their verified reductions be pooled and sold as carbon credits "
            "(actions from then on; docs/registry.md); null: not consenting"
        ),
    )


class MePatch(BaseModel):
    """The profile fields a resident may change (a JSON null clears one)."""

    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(
        default=None, max_length=64, description="the name to show; omit to keep it, null to clear it"
    )
    district: str | None = Field(
        default=None,
        max_length=32,
        description=(
            "code of one of the city's districts (422 unknown_district otherwise); omit to keep it, "
            "null to clear it"
        ),
    )
    pooling_consent: StrictBool | None = Field(
        default=None,
        description=(
            "true: let my verified reductions from now on be pooled and sold (opt-in); false: withdraw "
            "(nothing not yet pooled will be); omit to keep"
        ),
    )

    @field_validator("pooling_consent", mode="before")
    @classmethod
    def _a_real_boolean(cls, value: object) -> object:
        # Consent must be stated, not inferred: "yes", 1 or "true" are refused (the request decoder is lax).
        if value is not None and not isinstance(value, bool):
            raise ValueError("pooling_consent is true or false")
        return value
