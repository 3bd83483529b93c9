"""The gateway's proxy engine: asyncio + httptools, pooled upstreams, edge auth and rate limits."""

from importlib.machinery import EXTENSION_SUFFIXES

from erp.gateway.proxy.config import (
    EdgeHeadersConfig,
    JwtConfig,
    ProxyConfig,
    RateLimitConfig,
    RouteConfig,
    UpstreamConfig,
)
from erp.gateway.proxy.gateway import GatewayProxy


def compiled() -> bool:
    """Whether the per-request modules run compiled (mypyc), as the container image builds them."""
    from erp.gateway.proxy import exchange

    return str(exchange.__file__).endswith(tuple(EXTENSION_SUFFIXES))


__all__ = [
    "EdgeHeadersConfig",
    "GatewayProxy",
    "JwtConfig",
    "ProxyConfig",
    "RateLimitConfig",
    "RouteConfig",
    "UpstreamConfig",
    "compiled",
]
