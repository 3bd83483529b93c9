"""Settings from ERP_* environment variables, validated once at start-up.

Only config modules read the environment. A bad or missing value stops the process with one
line naming the variable and exit code 2 (see `load_settings`).
"""

from __future__ import annotations

import math
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AliasChoices,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "ERP_"


def _empty_is_unset(value: object) -> object:
    return None if value == "" else value


def _http_url(value: str | None) -> str | None:
    if value is not None and not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value.rstrip("/") if value else value


# Production refuses a secret that is a known placeholder, shorter than SECRET_MIN_LENGTH, or
# whose characters carry less than SECRET_MIN_ENTROPY_BITS of Shannon entropy each (documented
# in docs/deployment.md, "Secrets").
SECRET_MIN_LENGTH = 32
SECRET_MIN_ENTROPY_BITS = 3.0
_PLACEHOLDERS = frozenset({"secret", "password", "admin"})
_PLACEHOLDER_PARTS = ("replace-me", "replaceme", "change-me", "changeme", "example")


def shannon_entropy(value: str) -> float:
    """Bits per character of `value`'s own character frequencies."""
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in Counter(value).values())


def weak_secret(value: str) -> str | None:
    """Why `value` is not fit to be a production secret, or None."""
    lowered = value.lower()
    if lowered in _PLACEHOLDERS or any(part in lowered for part in _PLACEHOLDER_PARTS):
        return "is a known placeholder"
    if len(value) < SECRET_MIN_LENGTH:
        return f"is shorter than {SECRET_MIN_LENGTH} characters"
    if shannon_entropy(value) < SECRET_MIN_ENTROPY_BITS:
        return f"has under {SECRET_MIN_ENTROPY_BITS:g} bits of entropy per character"
    return None


# Where a service reaches another one (ERP_<NAME>_URL): unset when empty, trailing slash dropped.
ServiceUrl = Annotated[str | None, BeforeValidator(_empty_is_unset), AfterValidator(_http_url)]


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
    # RS256: tokens are signed with a private key; every service verifies with the public key.
    jwt_algorithm: Literal["HS256", "RS256"] = "HS256"
    jwt_public_key: str | None = None
    # The business day of undated documents and of `as_of` timestamps (erp.platform.calendar).
    company_timezone: str = Field("UTC", min_length=1, max_length=64)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"
    shutdown_delay_seconds: float = Field(5.0, ge=0, le=300)
    drain_timeout_seconds: float = Field(20.0, gt=0, le=600)
    admin_password: SecretStr | None = None
    db_pool_size: int = Field(10, ge=1, le=200)
    db_max_overflow: int = Field(5, ge=0, le=200)
    dapr_pubsub_name: str = Field("pubsub", min_length=1)
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
    # The Dapr sidecar sets DAPR_HTTP_PORT itself; ERP_DAPR_HTTP_PORT stands in without one.
    dapr_http_port: int = Field(
        3500,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("DAPR_HTTP_PORT", "ERP_DAPR_HTTP_PORT", "dapr_http_port"),
    )

    @field_validator("database_url", "redis_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return _empty_is_unset(value)

    @field_validator("company_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from erp.platform.calendar import zone_named

        zone_named(value)
        return value

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
        if self.environment == "production":
            if self.jwt_algorithm == "HS256" and self.jwt_secret is None:
                raise ValueError(
                    f"ERP_JWT_SECRET must be set to at least {SECRET_MIN_LENGTH} "
                    "characters when ERP_ENVIRONMENT=production"
                )
            for name, given in (
                ("ERP_JWT_SECRET", self.jwt_secret),
                ("ERP_ADMIN_PASSWORD", self.admin_password),
            ):
                reason = weak_secret(given.get_secret_value()) if given is not None else None
                if reason:
                    raise ValueError(
                        f"{name} {reason}; ERP_ENVIRONMENT=production needs a random value "
                        f"of at least {SECRET_MIN_LENGTH} characters"
                    )
        if self.event_transport == "redis" and not self.redis_url:
            raise ValueError("ERP_REDIS_URL must be set when ERP_EVENT_TRANSPORT=redis")
        return self


S = TypeVar("S", bound=ServiceSettings)


class SettingsError(SystemExit):
    """Raised (exit code 2) when the environment holds a bad value; the message names it."""

    def __init__(self, line: str) -> None:
        super().__init__(2)
        self.line = line


def _variable(cls: type[ServiceSettings], key: str) -> str:
    """The variable behind an error's field: ERP_<FIELD>, or for a field read under its own
    names (DAPR_HTTP_PORT, ERP_DAPR_HTTP_PORT) the one that is set."""
    if not key.isupper():
        return f"{ENV_PREFIX}{key.upper()}"
    for field in cls.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices) and key in alias.choices:
            set_names = [c for c in alias.choices if isinstance(c, str) and c in os.environ]
            return set_names[0] if set_names else key
    return key


def _describe(error: ValidationError, cls: type[ServiceSettings]) -> str:
    first = error.errors()[0]
    loc = [str(part) for part in first.get("loc", ())]
    if loc:
        name = _variable(cls, loc[0])
        raw = os.environ.get(name)
        hidden = any(word in name.lower() for word in ("secret", "password"))
        shown = f" (got {raw!r})" if raw is not None and not hidden else ""
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
        for field_name, field in cls.model_fields.items():
            alias = field.validation_alias
            if alias is None:
                names.add(f"{ENV_PREFIX}{field_name.upper()}")
                continue
            # A field read under its own names (DAPR_HTTP_PORT...): the ERP_ ones among them.
            choices = alias.choices if isinstance(alias, AliasChoices) else [alias]
            upper = [c.upper() for c in choices if isinstance(c, str)]
            names.update(name for name in upper if name.startswith(ENV_PREFIX))
    return names


def unknown_env_vars(known: set[str]) -> list[str]:
    """ERP_* variables present in the environment that no settings class reads (likely typos)."""
    return sorted(k for k in os.environ if k.startswith(ENV_PREFIX) and k not in known)
