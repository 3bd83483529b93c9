"""The proxy engine's own CPU per request, without sockets: what Python (or the compiled build)
costs, apart from the kernel and the event loop's I/O.

Client and upstream connections get in-memory transports; everything else is real: the
httptools parsers, token verification (cache hit), route match, head rewrite, metrics, and the
Redis rate limiter (a real Redis, batched leases). Each round feeds one request on each of 64
connections, lets the limiter's Redis replies arrive, then answers all 64 from the upstream side.
CPU time (`time.process_time`) of the best of five series is reported.

    .venv/bin/python bench/gateway/engine.py                       # as installed (pure Python)
    PYTHONPATH=build/compiled .venv/bin/python bench/gateway/engine.py   # after `make compiled`
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from typing import Any

import jwt
import uvloop

from erp.gateway.proxy import (
    GatewayProxy,
    JwtConfig,
    ProxyConfig,
    RateLimitConfig,
    RouteConfig,
    compiled,
)
from erp.gateway.proxy.connection import ClientConnection
from erp.gateway.proxy.upstream import UpstreamConnection

SECRET = "bench-signing-key-" + "x" * 32
CONNECTIONS = 64
RESPONSE = (
    b"HTTP/1.1 200 OK\r\ndate: Sun, 06 Dec 2026 14:00:00 GMT\r\nserver: uvicorn\r\n"
    b'content-length: 15\r\ncontent-type: application/json\r\n\r\n{"status":"ok"}'
)


class MemoryTransport:
    """Just enough of an asyncio transport: writes are counted and dropped."""

    def __init__(self) -> None:
        self.writes = 0

    def write(self, data: bytes) -> None:
        self.writes += 1

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 50000) if name == "peername" else default

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...

    def close(self) -> None: ...

    def is_closing(self) -> bool:
        return False

    def can_write_eof(self) -> bool:
        return True


async def measure(args: argparse.Namespace) -> float:
    now = int(time.time())
    token = jwt.encode({"sub": "bench", "roles": ["admin"], "iat": now, "exp": now + 3600,
                        "iss": "erp", "typ": "access"}, SECRET)  # fmt: skip
    request = (
        b"GET /api/bench/items HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAuthorization: Bearer "
        + token.encode()
        + b"\r\n\r\n"
    )
    limits = RateLimitConfig(
        enabled=args.batch > 0,
        redis_url=args.redis_url,
        key_prefix=f"erp:bench-engine:{uuid.uuid4().hex[:8]}:",
        user_rate=1e9,
        user_burst=10**9,
        ip_rate=1e9,
        ip_burst=10**9,
        batch=max(args.batch, 1),
    )
    config = ProxyConfig(
        routes=(RouteConfig("/api/bench/", "http://127.0.0.1:9"),),
        jwt=JwtConfig(secret=SECRET),
        rate_limit=limits,
        metrics=True,
    )
    proxy = GatewayProxy(config)
    await proxy.start("127.0.0.1", 0)
    assert proxy.core is not None
    pool = next(iter(proxy.core.pools.values()))
    upstreams = []
    for _ in range(CONNECTIONS):
        up = UpstreamConnection(pool)
        up.connection_made(MemoryTransport())  # type: ignore[arg-type]
        upstreams.append(up)
        pool.idle.append(up)
        pool.open += 1
    clients = []
    for _ in range(CONNECTIONS):
        client = ClientConnection(proxy.core)
        client.connection_made(MemoryTransport())  # type: ignore[arg-type]
        clients.append(client)

    async def one_round() -> None:
        for client in clients:
            client.data_received(request)
        for _ in range(1000):  # requests waiting for a rate-limit lease get it from Redis
            if all(up.exchange is not None for up in upstreams):
                break
            await asyncio.sleep(0)
        for up in upstreams:
            if up.exchange is not None:
                up.data_received(RESPONSE)
        await asyncio.sleep(0)  # the metrics flush of this loop turn

    for _ in range(50):
        await one_round()
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        for _ in range(args.rounds):
            await one_round()
        best = min(best, (time.process_time() - started) / (args.rounds * CONNECTIONS))
    answered = sum(c.transport.writes for c in clients if c.transport is not None)
    await proxy.shutdown(1)
    expected = (50 + 5 * args.rounds) * CONNECTIONS
    assert answered >= expected * 0.99, f"only {answered} of {expected} requests answered"
    return best * 1e6


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=600, help="rounds of 64 requests per series")
    p.add_argument("--batch", type=int, default=64, help="rate-limit lease size; 0: no limiter")
    p.add_argument(
        "--redis-url", default=os.environ.get("ERP_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = p.parse_args()
    build = "compiled" if compiled() else "pure Python"
    us = uvloop.run(measure(args))
    limiter = f"rate-limit leases up to {args.batch}" if args.batch else "no rate limit"
    print(f"{build}, {limiter}: {us:.1f} µs of CPU per request")


if __name__ == "__main__":
    main()
