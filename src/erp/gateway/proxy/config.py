"""Configuration of the proxy engine: plain dataclasses, filled by the service's settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from erp.platform.tokens import ISSUER, TOKEN_TYPE

MIB = 1024 * 1024


MAX_CLIENT_CONNECTIONS = 10_000


@dataclass(frozen=True, slots=True)
class RouteConfig:
    """One path prefix served by one upstream (`http://host:port` or `unix:/path`)."""

    prefix: str
    upstream: str
    requires_auth: bool = True
    strip_prefix: bool = True
    max_body_bytes: int | None = None
    response_timeout: float | None = None


@dataclass(frozen=True, slots=True)
class RateLimitConfig:
    """Token buckets per user and per client IP, shared through Redis."""

    enabled: bool = True
    redis_url: str | None = "redis://127.0.0.1:6379/0"
    key_prefix: str = "erp:rl:"
    user_rate: float = 50.0
    user_burst: int = 100
    ip_rate: float = 100.0
    ip_burst: int = 200
    redis_timeout: float = 0.25
    reconnect_interval: float = 1.0
    # Tokens taken from Redis per round trip and spent locally (1: one round trip per request).
    batch: int = 1


@dataclass(frozen=True, slots=True)
class JwtConfig:
    """How access tokens are verified at the edge."""

    secret: str | None = None
    public_key: str | None = None
    # Fixed by erp.platform.tokens (the verifier refuses other values).
    issuer: str = ISSUER
    token_type: str = TOKEN_TYPE
    cache_size: int = 10_000
    revocation_redis_url: str | None = None
    revocation_key: str = "erp:revoked-jti"
    revocation_refresh_seconds: float = 5.0


@dataclass(frozen=True, slots=True)
class UpstreamConfig:
    """Connection pool and failure handling, the same for every upstream."""

    max_connections: int = 256
    connect_timeout: float = 2.0
    response_timeout: float = 30.0
    # A kept-alive connection older than this is closed when its exchange ends, not reused:
    # the next one is opened through the Service again, so a blue-green switch or new
    # endpoints take traffic within this time, not only once the old pods stop.
    max_connection_age: float = 10.0
    # Idempotent requests after a failed connect (a stale keep-alive is always retried once).
    retries: int = 1
    breaker_failures: int = 5
    breaker_cooldown: float = 5.0


@dataclass(frozen=True, slots=True)
class EdgeHeadersConfig:
    """Security headers on every response; CORS for the listed origins (`*` for any)."""

    cors_origins: tuple[str, ...] = ()
    cors_max_age: int = 600
    hsts: bool = False


@dataclass(frozen=True, slots=True)
class ProxyConfig:
    """Everything the proxy needs; `routes` are matched by longest prefix."""

    routes: tuple[RouteConfig, ...] = ()
    fallback: str | None = None
    jwt: JwtConfig = field(default_factory=JwtConfig)
    rate_limit: RateLimitConfig = field(default_factory=RateLimitConfig)
    upstream: UpstreamConfig = field(default_factory=UpstreamConfig)
    edge: EdgeHeadersConfig = field(default_factory=EdgeHeadersConfig)
    max_body_bytes: int = MIB
    max_header_bytes: int = 16 * 1024
    header_timeout: float = 10.0
    body_idle_timeout: float = 10.0
    keepalive_timeout: float = 30.0
    # Open client connections at most: past it a newcomer gets 503 and a close, so that a flood
    # of idle sockets cannot take the file descriptors the upstream connections need.
    max_client_connections: int = MAX_CLIENT_CONNECTIONS
    forwarded_proto: str = "http"
    metrics: bool = True
    # False when the fallback upstream counts its own requests (the gateway's control app).
    count_fallback: bool = True
