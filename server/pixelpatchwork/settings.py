"""One typed settings object, read once from the environment and `.env`."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "development-only-secret-key-change-me"


class SettingsError(ValueError):
    """The settings cannot be used as they are (for example a default secret in production)."""


class Settings(BaseSettings):
    """Every knob of PixelPatchwork. Each field is an environment variable of the same name in capitals."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "production"] = "development"
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    host: str = "127.0.0.1"
    port: int = 8000
    var_dir: Path = Path("var")
    public_url: str | None = None

    database_url: str = ""
    database_pool_size: int = 10
    redis_url: str | None = None
    redis_channel: str = "pixelpatchwork"
    redis_heartbeat_s: float = Field(default=2.0, gt=0)

    media_dir: Path | None = None
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_prefix: str = ""
    s3_url_expires_s: int = 3600

    generator: Literal["auto", "offline", "openai"] = "auto"
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-image-1.5"
    openai_quality: Literal["low", "medium", "high", "auto"] = "medium"
    openai_partial_images: int = Field(default=2, ge=0, le=3)
    openai_timeout_s: float = 120.0

    generations_per_round: int = Field(default=5, ge=1, le=1000)
    entries_per_round: int = Field(default=1, ge=1, le=100)
    room_generations_per_minute: int = Field(default=60, ge=1, le=100_000)
    entry_selection: bool = True
    generation_global_concurrency: int = Field(default=4, ge=1, le=1000)

    self_votes: bool = False
    votes_during_generate: bool = False
    sealed_voting: Literal["auto", "on", "off"] = "auto"
    winner_rule: Literal["net", "wilson"] = "net"
    votes_per_second: float = Field(default=10.0, gt=0)
    # Per client address (a whole classroom may share one): joins, generations, votes.
    joins_per_address_per_minute: int = Field(default=600, ge=1)
    generations_per_address_per_minute: int = Field(default=600, ge=1)
    votes_per_address_per_second: float = Field(default=1000.0, gt=0)
    # Proxies in front of the app whose X-Forwarded-For entries are trusted (0: none).
    proxy_hops: int = Field(default=0, ge=0, le=10)
    default_room_mode: Literal["facilitated", "daily"] = "facilitated"
    daily_timezone: str = "UTC"
    daily_vote_at: str = "18:00"
    daily_close_at: str = "23:00"

    worker_in_process: bool = True
    worker_concurrency: int = Field(default=2, ge=1, le=64)
    job_lease_s: float = Field(default=60.0, gt=1)
    job_max_attempts: int = Field(default=3, ge=1)
    job_poll_s: float = Field(default=0.5, gt=0)
    job_retry_base_s: float = Field(default=2.0, gt=0)

    facilitator_token: SecretStr | None = None
    default_room: str = "main"
    default_room_name: str = "The Patchwork"
    allowed_origins: list[str] = Field(default_factory=list)
    tally_window_ms: int = Field(default=100, ge=10, le=5000)
    clock_tick_s: float = Field(default=1.0, gt=0)
    max_request_bytes: int = 12_000_000
    max_image_pixels: int = 16_777_216
    session_cookie_secure: bool = False
    # A detector checkpoint (`pixelpatchwork detector train`) that scores a room's images for
    # the analytics page; empty: not configured.
    detector_checkpoint: Path | None = None

    _generated_token: bool = PrivateAttr(default=False)

    @field_validator("daily_vote_at", "daily_close_at")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        try:
            hours, minutes = (int(part) for part in value.split(":"))
        except ValueError:
            raise ValueError("a daily time is written HH:MM, e.g. 18:00") from None
        if not (0 <= hours < 24 and 0 <= minutes < 60):
            raise ValueError("a daily time is written HH:MM, e.g. 18:00")
        return f"{hours:02d}:{minutes:02d}"

    @field_validator("daily_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/Berlin") from None
        return value

    @field_validator("detector_checkpoint", mode="before")
    @classmethod
    def _empty_path(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _no_sync_driver(cls, value: str) -> str:
        if value.startswith("mysql://") or value.startswith("mysql+pymysql://"):
            raise ValueError("DATABASE_URL must use the asyncmy driver: mysql+asyncmy://user:pass@host/db")
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.var_dir / 'pixelpatchwork.db'}"
        if self.media_dir is None:
            self.media_dir = self.var_dir / "media"
        if self.environment == "production":
            if self.secret_key.get_secret_value() == DEFAULT_SECRET_KEY or len(self.secret_key.get_secret_value()) < 32:
                raise SettingsError("SECRET_KEY must be set to a random value of at least 32 characters in production")
            if self.facilitator_token is None:
                raise SettingsError("FACILITATOR_TOKEN must be set in production")
        if self.facilitator_token is None:
            self.facilitator_token = SecretStr(_development_token(self.var_dir))
            self._generated_token = True
        return self

    @property
    def facilitator_token_generated(self) -> bool:
        """True when no FACILITATOR_TOKEN was configured and the development token file is used."""
        return self._generated_token

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def provider_name(self) -> str:
        """Which generator runs: `openai` when chosen or when a key is set in auto mode."""
        if self.generator == "auto":
            return "openai" if self.openai_api_key else "offline"
        return self.generator


def _development_token(var_dir: Path) -> str:
    """The facilitator token of a development install, kept in var/ so every process shares it."""
    path = var_dir / "facilitator-token"
    try:
        token = path.read_text().strip()
        if token:
            return token
    except FileNotFoundError:
        pass
    var_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(18)
    path.write_text(token + "\n")
    path.chmod(0o600)
    return token
