"""Shared state of one proxy instance: routes, pools, breakers, verifier, limiter, metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from erp.gateway.proxy.breaker import CircuitBreaker
from erp.gateway.proxy.config import ProxyConfig
from erp.gateway.proxy.edge import EdgeHeaders
from erp.gateway.proxy.forwarding import ResponseHeads
from erp.gateway.proxy.metrics import ProxyMetrics
from erp.gateway.proxy.pool import UpstreamPool
from erp.gateway.proxy.problems import problem_response
from erp.gateway.proxy.ratelimit import RateLimiter
from erp.gateway.proxy.revocation import RevokedTokens
from erp.gateway.proxy.routing import RouteTable
from erp.gateway.proxy.tokens import TokenVerifier

if TYPE_CHECKING:
    from erp.gateway.proxy.connection import ClientConnection


class ProxyCore:
    """Everything a connection needs to handle requests, built once per proxy."""

    def __init__(
        self,
        config: ProxyConfig,
        loop: asyncio.AbstractEventLoop,
        revoked: RevokedTokens | None = None,
    ) -> None:
        self.config = config
        self.loop = loop
        self.proto = config.forwarded_proto.encode()
        self.edge = EdgeHeaders(config.edge)
        self.response_heads = ResponseHeads(self.edge)
        self.routes = RouteTable(
            config.routes,
            config.fallback,
            max_body_bytes=config.max_body_bytes,
            response_timeout=config.upstream.response_timeout,
        )
        self.metrics = ProxyMetrics(defer=loop.call_soon) if config.metrics else None
        up = config.upstream
        self.pools: dict[str, UpstreamPool] = {}
        # The Host header sent to each upstream, encoded once.
        self.authorities = {u.name: u.authority.encode() for u in self.routes.upstreams()}
        for upstream in self.routes.upstreams():
            breaker = CircuitBreaker(
                failures=up.breaker_failures,
                cooldown=up.breaker_cooldown,
                on_change=self._breaker_reporter(upstream.name),
            )
            self.pools[upstream.name] = UpstreamPool(
                upstream,
                max_connections=up.max_connections,
                connect_timeout=up.connect_timeout,
                max_age=up.max_connection_age,
                breaker=breaker,
                loop=loop,
            )
            if self.metrics is not None:
                self.metrics.upstream_state(upstream.name, 0)
        jc = config.jwt
        # A revocation list passed in is shared with (and kept fresh by) its owner.
        self.owns_revoked = revoked is None
        self.revoked = revoked or RevokedTokens(
            jc.revocation_redis_url, jc.revocation_key, jc.revocation_refresh_seconds
        )
        if jc.secret or jc.public_key:
            self.verifier = TokenVerifier(
                secret=jc.secret,
                public_key=jc.public_key,
                issuer=jc.issuer,
                token_type=jc.token_type,
                cache_size=jc.cache_size,
                is_revoked=self.revoked.__contains__,
            )
        elif any(r.requires_auth for r in self.routes.routes):
            raise ValueError("routes require authorization but no JWT secret or key is set")
        on_fallback = self.metrics.ratelimit_fallback if self.metrics is not None else None
        self.limiter = (
            RateLimiter(config.rate_limit, on_fallback) if config.rate_limit.enabled else None
        )
        self.connections: set[ClientConnection] = set()
        self.too_many_connections = problem_response(
            503, "too-many-connections", "the gateway is at its connection limit, retry later",
            close=True, extra_headers=(("retry-after", "1"),), extra_lines=self.edge.all_lines,
        )  # fmt: skip
        self.closing_connections: set[ClientConnection] = set()
        self.closing = False
        self.drained = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()

    def _breaker_reporter(self, name: str) -> Any:
        def report(state: int) -> None:
            if self.metrics is not None:
                self.metrics.upstream_state(name, state)

        return report

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a slow-path coroutine (new upstream connections) and keep a reference to it."""
        task = self.loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def sweep(self) -> None:
        """Enforce deadlines on every connection; detect a Redis that stopped answering."""
        now = self.loop.time()
        for conn in list(self.connections):
            conn.check_timeouts(now)
        if self.limiter is not None:
            self.limiter.tick(now)

    def sweep_interval(self) -> float:
        c = self.config
        shortest = min(
            c.header_timeout,
            c.body_idle_timeout,
            c.keepalive_timeout,
            c.upstream.response_timeout,
            c.rate_limit.redis_timeout,
            *(r.response_timeout for r in self.routes.routes),
        )
        return max(0.02, min(1.0, shortest / 4))
