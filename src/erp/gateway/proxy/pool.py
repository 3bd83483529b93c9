"""Bounded pools of keep-alive upstream connections, reused last-in first-out."""

from __future__ import annotations

import asyncio
from collections import deque

from erp.gateway.proxy.breaker import CircuitBreaker
from erp.gateway.proxy.routing import Upstream
from erp.gateway.proxy.upstream import UpstreamConnection


class PoolExhaustedError(Exception):
    """No connection became free within the connect timeout."""


class UpstreamPool:
    """Idle connections on a stack (the warmest first), at most `max_connections` open."""

    def __init__(
        self,
        upstream: Upstream,
        *,
        max_connections: int,
        connect_timeout: float,
        breaker: CircuitBreaker,
        loop: asyncio.AbstractEventLoop,
        max_age: float = 10.0,
    ) -> None:
        self.upstream = upstream
        self.max_connections = max_connections
        self.connect_timeout = connect_timeout
        self.max_age = max_age
        self.breaker = breaker
        self.loop = loop
        self.idle: list[UpstreamConnection] = []
        self.open = 0
        self._waiters: deque[asyncio.Future[UpstreamConnection]] = deque()

    def acquire_nowait(self) -> UpstreamConnection | None:
        """A warm idle connection, or None."""
        idle = self.idle
        while idle:
            conn = idle.pop()
            if conn.alive:
                conn.reused = True
                return conn
        return None

    async def acquire(self, *, fresh: bool = False) -> UpstreamConnection:
        """An idle connection (unless `fresh`), a new one, or the next one released within the
        connect timeout. Never one that closed while this coroutine waited to resume: writing
        to it would be lost without a sound, and the request would hang."""
        deadline = self.loop.time() + self.connect_timeout
        while True:
            conn = None if fresh else self.acquire_nowait()
            if conn is not None:
                return conn
            if self.open < self.max_connections:
                conn = await self._connect()
                if not conn.alive:
                    raise ConnectionResetError(f"{self.upstream.name} closed a new connection")
                return conn
            # A released connection has just completed an exchange: good even when `fresh`.
            fut: asyncio.Future[UpstreamConnection] = self.loop.create_future()
            self._waiters.append(fut)
            try:
                conn = await asyncio.wait_for(fut, max(0.0, deadline - self.loop.time()))
            except TimeoutError as exc:
                raise PoolExhaustedError(f"no free connection to {self.upstream.name}") from exc
            if conn.alive:
                return conn

    async def _connect(self) -> UpstreamConnection:
        self.open += 1
        up = self.upstream
        try:
            if up.unix_path:
                coro = self.loop.create_unix_connection(
                    lambda: UpstreamConnection(self), up.unix_path
                )
            else:
                coro = self.loop.create_connection(
                    lambda: UpstreamConnection(self), up.host, up.port
                )
            _, conn = await asyncio.wait_for(coro, self.connect_timeout)
        except BaseException:
            self.open -= 1
            raise
        conn.reused = False
        return conn

    def release(self, conn: UpstreamConnection, reusable: bool) -> None:
        """Give a connection back after a complete exchange (or close it, when it may not be
        reused or has reached its maximum age)."""
        if not reusable or not conn.alive or self.loop.time() - conn.opened > self.max_age:
            conn.close()
            return
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                conn.reused = True
                fut.set_result(conn)
                return
        self.idle.append(conn)

    def forget(self, conn: UpstreamConnection) -> None:
        """Called when a connection closes."""
        self.open -= 1
        if conn in self.idle:
            self.idle.remove(conn)

    def close(self) -> None:
        for conn in list(self.idle):
            conn.close()
        self.idle.clear()
        for fut in self._waiters:
            if not fut.done():
                fut.cancel()
