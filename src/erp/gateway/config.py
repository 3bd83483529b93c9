"""Gateway settings: the platform's plus upstreams, tokens, edge limits, CORS and signing keys.

| variable | default | meaning |
|---|---|---|
| ERP_CORS_ORIGINS | (none) | comma list of browser origins allowed to call the API |
| ERP_ACCESS_TOKEN_TTL_SECONDS | 900 | lifetime of an access token |
| ERP_REFRESH_TOKEN_TTL_SECONDS | 1209600 | lifetime of a refresh token (14 days) |
| ERP_RATE_LIMIT_USER_PER_SECOND | 50 | sustained requests per user (burst: twice that) |
| ERP_RATE_LIMIT_IP_PER_SECOND | 100 | sustained requests per client IP (burst: twice that) |
| ERP_RATE_LIMIT_BATCH | 64 | most tokens a replica holds per bucket (at most burst/8) |
| ERP_LOGIN_MAX_FAILURES | 5 | failed logins per username and IP before lockout |
| ERP_JWT_ALGORITHM | HS256 | HS256 (ERP_JWT_SECRET) or RS256 (key pair below) |
| ERP_JWT_PRIVATE_KEY | (none) | PEM private key, RS256 only |
| ERP_JWT_PUBLIC_KEY | (none) | PEM public key, RS256 only (published at /.well-known/jwks.json) |
| ERP_UPSTREAM_TIMEOUT_SECONDS | 30 | per-upstream response timeout |
| ERP_CLIENT_TIMEOUT_SECONDS | 10 | deadline for a request head, and between body parts |
| ERP_FORWARDED_PROTO | http | scheme clients use; https adds Strict-Transport-Security |
| ERP_SCHED_POLICY | batch | CPU policy of `erp serve gateway` on Linux: batch or normal |
| ERP_<SERVICE>_URL | (none) | upstream of /api/<service>/ (inventory, finance, reporting) |
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from erp.platform.settings import ServiceSettings, ServiceUrl


class GatewaySettings(ServiceSettings):
    # The upstreams: /api/<service>/ goes to ERP_<SERVICE>_URL; one left unset is not routed.
    inventory_url: ServiceUrl = None
    finance_url: ServiceUrl = None
    reporting_url: ServiceUrl = None
    # The gateway's own address, which the chart sets beside the others; read so that it is
    # validated and known, not routed to.
    gateway_url: ServiceUrl = None
    cors_origins: str = ""
    access_token_ttl_seconds: int = Field(900, ge=30, le=86_400)
    refresh_token_ttl_seconds: int = Field(14 * 86_400, ge=60, le=90 * 86_400)
    rate_limit_user_per_second: float = Field(50.0, gt=0)
    rate_limit_ip_per_second: float = Field(100.0, gt=0)
    rate_limit_batch: int = Field(64, ge=1, le=1000)
    login_max_failures: int = Field(5, ge=1, le=100)
    jwt_private_key: SecretStr | None = None
    upstream_timeout_seconds: float = Field(30.0, gt=0, le=600)
    # How long a connection to a service is reused: new endpoints (a blue-green switch, a
    # scale-up) get traffic within this time.
    upstream_max_connection_age_seconds: float = Field(10.0, gt=0, le=3600)
    client_timeout_seconds: float = Field(10.0, gt=0, le=300)
    forwarded_proto: Literal["http", "https"] = "http"
    sched_policy: Literal["batch", "normal"] = "batch"
    # Namespaces the gateway's Redis keys (rate limits, login lockouts, revoked tokens), so
    # installations or test runs can share one Redis.
    redis_key_prefix: str = Field("erp:", pattern=r"^[A-Za-z0-9:_.-]{1,64}$")

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        for origin in filter(None, (o.strip() for o in value.split(","))):
            if origin != "*" and not origin.startswith(("http://", "https://")):
                raise ValueError(f"{origin!r} is not an origin (scheme://host[:port])")
        return value

    @model_validator(mode="after")
    def _rs256_needs_keys(self) -> GatewaySettings:
        if self.jwt_algorithm == "RS256" and not (self.jwt_private_key and self.jwt_public_key):
            raise ValueError(
                "ERP_JWT_PRIVATE_KEY and ERP_JWT_PUBLIC_KEY must be set "
                "when ERP_JWT_ALGORITHM=RS256"
            )
        return self

    def service_url(self, service: str) -> str | None:
        """ERP_<SERVICE>_URL, if set."""
        value = getattr(self, f"{service}_url", None)
        return value if isinstance(value, str) else None

    @property
    def cors_origin_list(self) -> tuple[str, ...]:
        return tuple(o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip())
