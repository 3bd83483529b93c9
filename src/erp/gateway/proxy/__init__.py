"""The gateway's proxy engine: asyncio + httptools, pooled upstreams, edge auth and rate limits."""

from erp.gateway.proxy.config import (
    EdgeHeadersConfig,
    JwtConfig,
    ProxyConfig,
    RateLimitConfig,
    RouteConfig,
    UpstreamConfig,
)
from erp.gateway.proxy.gateway import GatewayProxy

__all__ = [
    "EdgeHeadersConfig",
    "GatewayProxy",
    "JwtConfig",
    "ProxyConfig",
    "RateLimitConfig",
    "RouteConfig",
    "UpstreamConfig",
]
