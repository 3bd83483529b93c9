"""Settings from ERP_* environment variables, validated once at start-up.

Only config modules read the environment. A bad or missing value stops the process with one
line naming the variable and exit code 2 (see `load_settings`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "ERP_"
SERVICE_NAMES = ("gateway", "inventory", "finance", "reporting")
_WEAK_SECRET_MIN_LENGTH = 32


class ServiceSettings(BaseSettings):
    """What every service reads. Services extend this with their own fields."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    port: int = Field(8000, ge=1, le=65535)
    host: str = "0.0.0.0"
    environment: Literal["development", "production"] = "development"
    database_url: str | None = None
    data_dir: Path = Path("./var")
    redis_url: str | None = None
    event_transport: Literal["inprocess", "redis", "dapr"] = "inprocess"
    jwt_secret: SecretStr | None = None
    # RS256: the gateway signs with its private key; every service verifies with the public key.
    jwt_algorithm: Literal["HS256", "RS256"] = "HS256"
    jwt_public_key: str | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"
    shutdown_delay_seconds: float = Field(5.0, ge=0, le=300)
    drain_timeout_seconds: float = Field(20.0, gt=0, le=600)
    admin_password: SecretStr | None = None
    db_pool_size: int = Field(10, ge=1, le=200)
    db_max_overflow: int = Field(5, ge=0, le=200)
    base_currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    gateway_url: str | None = None
    inventory_url: str | None = None
    finance_url: str | None = None
    reporting_url: str | None = None
    dapr_pubsub_name: str = Field("pubsub", min_length=1)
    dapr_statestore_name: str = Field("statestore", min_length=1)
    max_body_bytes: int = Field(1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    # Event backbone (erp.platform.events).
    event_max_attempts: int = Field(5, ge=1, le=100)
    event_retry_backoff_seconds: float = Field(0.5, gt=0, le=300)
    event_reclaim_idle_seconds: float = Field(30.0, gt=0, le=86400)
    event_stream_prefix: str = Field("erp:events:", min_length=1, max_length=100)
    event_stream_maxlen: int = Field(100_000, ge=100)
    event_consumer_batch: int = Field(100, ge=1, le=10_000)
    relay_batch_size: int = Field(500, ge=1, le=10_000)
    relay_sweep_seconds: float = Field(5.0, gt=0, le=3600)
    outbox_retention_seconds: float = Field(86400.0, ge=0)
    # The Dapr sidecar's standard variable, not an ERP_ one.
    dapr_http_port: int = Field(
        3500, ge=1, le=65535, validation_alias=AliasChoices("DAPR_HTTP_PORT", "dapr_http_port")
    )

    @field_validator(
        "database_url",
        "redis_url",
        "gateway_url",
        "inventory_url",
        "finance_url",
        "reporting_url",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("gateway_url", "inventory_url", "finance_url", "reporting_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("postgresql", "postgres://", "sqlite")):
            raise ValueError("must be a postgresql:// or sqlite:// URL")
        return value

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> ServiceSettings:
        if self.jwt_algorithm == "RS256" and not self.jwt_public_key:
            raise ValueError("ERP_JWT_PUBLIC_KEY must be set when ERP_JWT_ALGORITHM=RS256")
        if self.environment == "production" and self.jwt_algorithm == "HS256":
            secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
            if len(secret) < _WEAK_SECRET_MIN_LENGTH:
                raise ValueError(
                    f"ERP_JWT_SECRET must be set to at least {_WEAK_SECRET_MIN_LENGTH} "
                    "characters when ERP_ENVIRONMENT=production"
                )
        if self.event_transport == "redis" and not self.redis_url:
            raise ValueError("ERP_REDIS_URL must be set when ERP_EVENT_TRANSPORT=redis")
        return self

    def service_url(self, service: str) -> str | None:
        """Where this process reaches another service, if configured."""
        value = getattr(self, f"{service}_url", None)
        return value if isinstance(value, str) else None


S = TypeVar("S", bound=ServiceSettings)


class SettingsError(SystemExit):
    """Raised (exit code 2) when the environment holds a bad value; the message names it."""

    def __init__(self, line: str) -> None:
        super().__init__(2)
        self.line = line


def _describe(error: ValidationError, cls: type[ServiceSettings]) -> str:
    first = error.errors()[0]
    loc = [str(part) for part in first.get("loc", ())]
    if loc:
        # A field read under its own variable name (DAPR_HTTP_PORT) reports that name.
        name = loc[0] if loc[0].isupper() else f"{ENV_PREFIX}{loc[0].upper()}"
        raw = os.environ.get(name)
        shown = f" (got {raw!r})" if raw is not None and "secret" not in name.lower() else ""
        return f"invalid setting {name}: {first['msg']}{shown}"
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"invalid settings: {message}"


def load_settings(cls: type[S], **overrides: object) -> S:
    """Build settings from the environment or stop with exit code 2 and one clear line."""
    try:
        return cls(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        line = _describe(error, cls)
        print(f"erp: {line}", file=sys.stderr)
        raise SettingsError(line) from None


def known_env_vars(*classes: type[ServiceSettings]) -> set[str]:
    """Every ERP_* variable that the given settings classes read."""
    names: set[str] = set()
    for cls in classes or (ServiceSettings,):
        names.update(f"{ENV_PREFIX}{field.upper()}" for field in cls.model_fields)
    return names


def unknown_env_vars(known: set[str]) -> list[str]:
    """ERP_* variables present in the environment that no settings class reads (likely typos)."""
    return sorted(k for k in os.environ if k.startswith(ENV_PREFIX) and k not in known)
