"""The public face of the proxy engine: construct, start, shut down."""

from __future__ import annotations

import asyncio
import contextlib
import socket

from erp.gateway.proxy.config import ProxyConfig
from erp.gateway.proxy.connection import ClientConnection
from erp.gateway.proxy.core import ProxyCore
from erp.gateway.proxy.revocation import RevokedTokens


class GatewayProxy:
    """An HTTP/1.1 reverse proxy with edge authorization, rate limits and circuit breakers.

    >>> proxy = GatewayProxy(config)
    >>> await proxy.start("0.0.0.0", 8000)     # or start(sock=...) / start(unix_path=...)
    >>> ...
    >>> await proxy.shutdown(timeout=30)       # stop accepting, drain, close pools
    """

    def __init__(self, config: ProxyConfig, *, revoked: RevokedTokens | None = None) -> None:
        self.config = config
        self._revoked = revoked
        self.core: ProxyCore | None = None
        self._server: asyncio.AbstractServer | None = None
        self._sweeper: asyncio.Task[None] | None = None

    async def start(
        self,
        host: str | None = "127.0.0.1",
        port: int = 0,
        *,
        sock: socket.socket | None = None,
        unix_path: str | None = None,
        backlog: int = 1024,
    ) -> None:
        """Connect to Redis (or fall back), then listen; returns once accepting."""
        loop = asyncio.get_running_loop()
        core = ProxyCore(self.config, loop, self._revoked)
        self.core = core
        if core.limiter is not None:
            await core.limiter.start()
        if core.owns_revoked:
            with contextlib.suppress(OSError, Exception):
                await asyncio.wait_for(core.revoked.refresh(), 2.0)
            core.revoked.start()

        def factory() -> ClientConnection:
            return ClientConnection(core)

        if unix_path is not None:
            self._server = await loop.create_unix_server(factory, unix_path, backlog=backlog)
        elif sock is not None:
            self._server = await loop.create_server(factory, sock=sock, backlog=backlog)
        else:
            self._server = await loop.create_server(
                factory, host, port, backlog=backlog, reuse_address=True
            )
        self._sweeper = loop.create_task(self._sweep(core))

    @property
    def port(self) -> int:
        """The TCP port actually bound (useful with port 0)."""
        server = self._server
        assert isinstance(server, asyncio.Server)
        return int(server.sockets[0].getsockname()[1])

    async def _sweep(self, core: ProxyCore) -> None:
        interval = core.sweep_interval()
        while True:
            await asyncio.sleep(interval)
            core.sweep()

    async def shutdown(self, timeout: float = 30.0) -> bool:  # noqa: ASYNC109
        """Stop accepting, let in-flight requests finish within `timeout`, close everything.

        Returns True when every connection finished on its own.
        """
        core = self.core
        if core is None or self._server is None:
            return True
        self._server.close()
        core.closing = True
        for conn in list(core.connections):
            if conn.exchange is None and conn.parsing is None and not conn.queue:
                conn.abort()
        if core.connections:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(core.drained.wait(), timeout)
        drained = not core.connections
        for conn in list(core.connections):
            conn.abort()
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        if core.metrics is not None:
            core.metrics.flush()
        if core.limiter is not None:
            await core.limiter.stop()
        if core.owns_revoked:
            await core.revoked.stop()
        for pool in core.pools.values():
            pool.close()
        self._server = None
        return drained
