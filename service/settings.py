"""Settings, grouped by concern, read from the environment (prefix ``TANBI_``, nested with ``__``).

Nothing is read at import time: call :func:`load_settings` (the CLI does, once) and pass the result down.
With nothing set, Tanbi runs on the embedded default: a SQLite file and generated keys in ``./data``,
jobs in-process. ``TANBI_DATABASE_URL=postgresql+asyncpg://...`` and ``TANBI_REDIS_URL=redis://...``
switch to PostgreSQL and arq workers.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.keys.generate import ed25519_pem, random_key


class AuthSettings(BaseModel):
    """Access tokens are HS256 JWTs signed with ``jwt_keys[active_kid]``; older kids stay valid for verify."""

    jwt_keys: dict[str, SecretStr] = Field(default_factory=dict)
    active_kid: str | None = None
    issuer: str = "tanbi"
    access_ttl_seconds: int = Field(default=900, ge=60, le=3600)
    refresh_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=3600)
    # None means: on in the embedded default, off in production.
    dev_login: bool | None = None
    # Key of the HMAC that hashes phone numbers and partner subjects (never stored in clear).
    hash_key: SecretStr | None = None
    # Key (any string; stretched with SHA-256) that encrypts partners' webhook secrets at rest (AES-GCM).
    secrets_key: SecretStr | None = None


class AttestationSettings(BaseModel):
    """Residents' attestations for banks are EdDSA (Ed25519) JWS signed with ``keys[active_kid]``; every
    key's public half is published (GET /.well-known/jwks.json), so tokens of a retired key still verify."""

    # kid -> PKCS#8 PEM of an Ed25519 private key (TANBI_ATTESTATIONS__KEYS, JSON).
    keys: dict[str, SecretStr] = Field(default_factory=dict)
    active_kid: str | None = None  # None: the last kid in sorted order
    default_days: int = Field(default=30, ge=1, le=365)
    max_days: int = Field(default=365, ge=1, le=365)

    @field_validator("keys")
    @classmethod
    def _ed25519_keys(cls, keys: dict[str, SecretStr]) -> dict[str, SecretStr]:
        """Refuse a key that is not an Ed25519 private key PEM at start, not at a bank's first request."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        for kid, pem in keys.items():
            try:
                key = load_pem_private_key(pem.get_secret_value().encode(), password=None)
            except ValueError as exc:
                raise ValueError(f"attestation key {kid!r} is not a PEM private key") from exc
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError(f"attestation key {kid!r} is not an Ed25519 private key")
        return keys


class LedgerSettings(BaseModel):
    # 1 coin per this many grams CO2e avoided; actions keep the exact grams and the remainder.
    grams_per_coin: int = Field(default=10, ge=1, le=1_000_000)
    # Credits expire on 31 December of the year `expiry_years_after` years after earning (0: same year).
    expiry_years_after: int = Field(default=1, ge=0, le=10)
    # Issuance is spread over this many accounts so no single row serialises every credit.
    issuance_shards: int = Field(default=8, ge=1, le=1024)
    # A merchant's takings are spread over this many accounts (by paying wallet) for the same reason.
    merchant_shards: int = Field(default=8, ge=1, le=1024)
    hold_default_seconds: int = Field(default=15 * 60, ge=1)


class PartnerSettings(BaseModel):
    timestamp_tolerance_seconds: int = Field(default=300, ge=1, le=3600)
    # After a rotation the previous secret keeps working this long, so partners rotate without downtime.
    rotation_grace_hours: int = Field(default=24, ge=0, le=24 * 30)
    unclaimed_window_days: int = Field(default=30, ge=1, le=365)
    link_token_ttl_seconds: int = Field(default=600, ge=60, le=86400)
    batch_size: int = Field(default=500, ge=1, le=5000)
    # Events still "received" this long after arrival are re-enqueued by the sweeper.
    sweep_after_seconds: int = Field(default=30, ge=1)
    max_attempts: int = Field(default=5, ge=1, le=50)
    # After the n-th fault an event waits retry_base_seconds * 2^(n-1) (at most an hour) before the next try.
    retry_base_seconds: int = Field(default=30, ge=1, le=3600)


class JobSettings(BaseModel):
    queue_name: str = "tanbi:jobs"
    max_tries: int = Field(default=5, ge=1, le=50)
    # How often the embedded runner sweeps expired holds and expired lots.
    hold_sweep_seconds: int = Field(default=60, ge=1)
    expiry_sweep_seconds: int = Field(default=3600, ge=1)
    event_sweep_seconds: int = Field(default=30, ge=1)
    voucher_sweep_seconds: int = Field(default=60, ge=1)
    # How often the embedded runner publishes the city's grid (the worker: every 5 minutes).
    city_publish_seconds: int = Field(default=300, ge=1)
    # How often the embedded runner folds the roll-up log into the roll-ups (the worker: every minute).
    rollup_fold_seconds: int = Field(default=10, ge=1)
    # How often the embedded runner sends due WeChat subscribe messages (the worker: every minute).
    subscribe_send_seconds: int = Field(default=60, ge=1)
    # How often the embedded runner creates next month's partitions (the worker: hourly). SQLite: no-op.
    partition_seconds: int = Field(default=3600, ge=1)


class WechatSettings(BaseModel):
    """The mini-program's WeChat login (``jscode2session``); the base URL is a setting so tests fake it."""

    app_id: str | None = None
    app_secret: SecretStr | None = None
    base_url: str = "https://api.weixin.qq.com"
    timeout_seconds: float = Field(default=5.0, gt=0, le=60)


class SubscribeTemplate(BaseModel):
    """One subscribe-message template of the mini-program (公众平台 > 订阅消息), for one kind of notice.

    ``fields`` maps the template's keywords (``thing1``, ``amount2``, ``time3``...) to what fills them:
    ``title`` and ``summary`` (cut to WeChat's 20 characters for ``thing``), ``amount`` (coins), ``date``
    (the notice's local date)."""

    template_id: str = Field(min_length=1, max_length=128)
    fields: dict[str, Literal["title", "summary", "amount", "date"]] = Field(
        default_factory=lambda: {"thing1": "title", "thing2": "summary", "time3": "date"}
    )


class SubscribeMessageSettings(BaseModel):
    """WeChat subscribe messages (``subscribeMessage.send``), sent by a job to residents who opted in.

    The app's id and secret are the sign-in's (``TANBI_WECHAT__*``); with those or ``templates`` missing
    nothing is sent and the job says so once. ``templates`` is keyed by notice kind: ``credits``,
    ``rejection``, ``expiring``, ``voucher_lapsing``
    (``TANBI_SUBSCRIBE__TEMPLATES='{"credits": {"template_id": "..."}}'``)."""

    templates: dict[Literal["credits", "rejection", "expiring", "voucher_lapsing"], SubscribeTemplate] = (
        Field(default_factory=dict)
    )
    page: str = Field(default="pages/inbox/index", max_length=256)  # opened when the message is tapped
    miniprogram_state: Literal["developer", "trial", "formal"] = "formal"
    # A send that failed (5xx, timeout, system busy) waits retry_base_seconds * 2^(tries-1), at most an hour;
    # after max_tries it is given up (status failed).
    max_tries: int = Field(default=5, ge=1, le=50)
    retry_base_seconds: int = Field(default=60, ge=1, le=3600)
    # A claimed send another runner may take over after this long (the claimer died mid-send).
    claim_seconds: int = Field(default=120, ge=10, le=3600)


class RedeemSettings(BaseModel):
    paycode_ttl_seconds: int = Field(default=60, ge=5, le=3600)
    # A voucher is valid this long after it is claimed (never past its offer's valid_until).
    voucher_ttl_seconds: int = Field(default=7 * 86400, ge=60)
    # On PostgreSQL, claims and charges run as one call of the database functions (migration 0007);
    # false forces the Python path there too (the twin the functions are tested against).
    database_functions: bool = True
    # What the city pays a merchant per coin received, in yuan (TANBI_REDEEM__YUAN_PER_COIN): merchants'
    # statements show each figure in yuan at this rate. Default 0.01 (one fen a coin).
    yuan_per_coin: Decimal = Field(default=Decimal("0.01"), ge=0, le=1000, decimal_places=6)


class RateLimitSettings(BaseModel):
    """Requests allowed per window, per caller (IP for sign-in, resident or merchant otherwise)."""

    window_seconds: int = Field(default=60, ge=1, le=3600)
    sign_in: int = Field(default=20, ge=1)
    paycodes: int = Field(default=30, ge=1)
    charges: int = Field(default=600, ge=1)


class District(BaseModel):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    zh: str
    en: str


# Gongqingcheng (共青城市, Jiangxi): one subdistrict, two towns and three townships (2025).
GONGQINGCHENG = (
    District(code="chashan", zh="茶山街道", en="Chashan Subdistrict"),
    District(code="ganlu", zh="甘露镇", en="Ganlu Town"),
    District(code="jiangyi", zh="江益镇", en="Jiangyi Town"),
    District(code="jinhu", zh="金湖乡", en="Jinhu Township"),
    District(code="sujiadang", zh="苏家垱乡", en="Sujiadang Township"),
    District(code="zequan", zh="泽泉乡", en="Zequan Township"),
)
UNKNOWN_DISTRICT = "unknown"


class CitySettings(BaseModel):
    """The city view: districts, k-anonymity, and where the plan's targets are read from."""

    name_zh: str = "共青城市"
    name_en: str = "Gongqingcheng"
    # The city's code in registry and certificate serials (TB-{code}-...): upper-case letters, 2 to 8.
    registry_code: str = Field(default="GQC", pattern=r"^[A-Z]{2,8}$")
    districts: list[District] = Field(default_factory=lambda: list(GONGQINGCHENG))
    # Groups with fewer distinct participants are suppressed.
    k_anonymity: int = Field(default=10, ge=2, le=10_000)
    # Roll-up counter rows per (day, methodology, district): more spreads concurrent credits.
    rollup_shards: int = Field(default=1, ge=1, le=64)
    # A TOML file of the plan's targets; the one shipped in service/city/targets.toml when unset.
    targets_file: Path | None = None
    # A scenario is live when it credited something within this many days.
    live_window_days: int = Field(default=30, ge=1, le=366)

    def district_codes(self) -> set[str]:
        return {d.code for d in self.districts}


class MetricsSettings(BaseModel):
    """Prometheus metrics (docs/operations.md, Metrics): the API's GET /metrics, off without a token."""

    # Bearer token Prometheus sends to GET /metrics; None: the endpoint does not exist (404).
    token: SecretStr | None = None
    # The worker's own metrics port (prometheus_client's HTTP server); None: not served.
    worker_port: int | None = Field(default=None, ge=1, le=65535)
    worker_host: str = "0.0.0.0"  # noqa: S104  # inside its container, reached by the scraper
    # Figures read from the database at scrape time are reused for this long (scrape storms).
    cache_seconds: float = Field(default=5.0, ge=0, le=300)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TANBI_", env_nested_delimiter="__", extra="ignore", validate_default=True
    )

    data_dir: Path = Path("data")
    database_url: str | None = None
    # A PostgreSQL streaming replica of database_url for the city's reads and the public registry
    # (service/db/replica.py); None: everything reads the primary.
    database_read_url: str | None = None
    redis_url: str | None = None
    database_echo: bool = False
    database_pool_size: int = Field(default=10, ge=1, le=200)
    timezone: str = "Asia/Shanghai"
    public_url: str = "http://127.0.0.1:8000"
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated addresses or "*").
    # None: no proxy is trusted, so a client cannot choose the address its rate limits are counted by.
    forwarded_allow_ips: str | None = Field(default=None, max_length=1000)
    # One JSON object per log line, or text; None: text on the embedded default (a person's terminal),
    # JSON otherwise (a log collector's input). service/observability/logs.py.
    log_format: Literal["json", "text"] | None = None
    auth: AuthSettings = Field(default_factory=AuthSettings)
    attestations: AttestationSettings = Field(default_factory=AttestationSettings)
    ledger: LedgerSettings = Field(default_factory=LedgerSettings)
    jobs: JobSettings = Field(default_factory=JobSettings)
    partners: PartnerSettings = Field(default_factory=PartnerSettings)
    wechat: WechatSettings = Field(default_factory=WechatSettings)
    subscribe: SubscribeMessageSettings = Field(default_factory=SubscribeMessageSettings)
    redeem: RedeemSettings = Field(default_factory=RedeemSettings)
    rate_limits: RateLimitSettings = Field(default_factory=RateLimitSettings)
    city: CitySettings = Field(default_factory=CitySettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def embedded(self) -> bool:
        """True when running on the embedded default (no database URL given)."""
        return self.database_url is None

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'tanbi.db').resolve()}"

    @property
    def dev_login_enabled(self) -> bool:
        return self.embedded if self.auth.dev_login is None else self.auth.dev_login

    @property
    def resolved_log_format(self) -> Literal["json", "text"]:
        if self.log_format is not None:
            return self.log_format
        return "text" if self.embedded else "json"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


KEYS_FILE = "keys.json"


class MissingKeys(ValueError):
    """Keys missing outside the embedded default, where generating them would let processes disagree."""

    def __init__(self, variables: list[str]) -> None:
        self.variables = variables
        super().__init__(
            "TANBI_DATABASE_URL is set, so every API process and worker must be given the same keys; "
            f"missing: {', '.join(variables)} (`tanbi keys generate` prints a set for .env)"
        )


def missing_keys(settings: Settings) -> list[str]:
    """The key variables ``settings`` lacks, in the order ``tanbi keys generate`` prints them."""
    given = {
        "TANBI_AUTH__JWT_KEYS": settings.auth.jwt_keys,
        "TANBI_AUTH__HASH_KEY": settings.auth.hash_key,
        "TANBI_AUTH__SECRETS_KEY": settings.auth.secrets_key,
        "TANBI_ATTESTATIONS__KEYS": settings.attestations.keys,
    }
    return [variable for variable, value in given.items() if not value]


def load_settings(**overrides: object) -> Settings:
    """Read the environment; on the embedded default, fill missing keys generated once into ``data_dir``.

    With a database URL (production) every key must be given: two processes generating their own would
    sign tokens and hash phone numbers differently. :class:`MissingKeys` names what is missing.
    """
    settings = Settings(**overrides)  # type: ignore[arg-type]
    missing = missing_keys(settings)
    if not missing:
        return _with_active_kid(settings)
    if not settings.embedded:
        raise MissingKeys(missing)
    stored = _load_or_create_keys(settings.data_dir / KEYS_FILE)
    auth = settings.auth.model_copy(
        update={
            "jwt_keys": settings.auth.jwt_keys or {stored["kid"]: SecretStr(stored["jwt_secret"])},
            "hash_key": settings.auth.hash_key or SecretStr(stored["hash_key"]),
            "secrets_key": settings.auth.secrets_key or SecretStr(stored["secrets_key"]),
        }
    )
    attestations = settings.attestations.model_copy(
        update={
            "keys": settings.attestations.keys
            or {stored["attestation_kid"]: SecretStr(stored["attestation_key"])}
        }
    )
    return _with_active_kid(settings.model_copy(update={"auth": auth, "attestations": attestations}))


def _with_active_kid(settings: Settings) -> Settings:
    auth = settings.auth
    if auth.active_kid is None:
        auth = auth.model_copy(update={"active_kid": sorted(auth.jwt_keys)[-1]})
    elif auth.active_kid not in auth.jwt_keys:
        raise ValueError(f"TANBI_AUTH__ACTIVE_KID={auth.active_kid!r} names no key in TANBI_AUTH__JWT_KEYS")
    return settings.model_copy(update={"auth": auth})


def _load_or_create_keys(path: Path) -> dict[str, str]:
    """The stored keys, adding any this version needs and the file lacks (older data folders)."""
    keys: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    wanted = {
        "kid": lambda: "k1",
        "jwt_secret": random_key,
        "hash_key": random_key,
        "secrets_key": random_key,
        "attestation_kid": lambda: "a1",
        "attestation_key": ed25519_pem,
    }
    missing = {name: make() for name, make in wanted.items() if name not in keys}
    if missing:
        keys |= missing
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(keys))
        path.chmod(0o600)
    return keys
