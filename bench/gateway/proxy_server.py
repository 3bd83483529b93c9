"""Run the gateway proxy for the benchmark: token check, Redis rate limits and metrics on."""

from __future__ import annotations

import argparse
import asyncio
import signal

import uvloop

from erp.gateway.proxy import GatewayProxy, JwtConfig, ProxyConfig, RateLimitConfig, RouteConfig
from erp.gateway.serve import apply_sched_policy


async def main(args: argparse.Namespace) -> None:
    config = ProxyConfig(
        routes=(RouteConfig("/api/bench/", f"http://127.0.0.1:{args.backend_port}"),),
        fallback=f"http://127.0.0.1:{args.backend_port}",
        jwt=JwtConfig(secret=args.secret),
        rate_limit=RateLimitConfig(
            enabled=not args.no_rate_limit,
            redis_url=args.redis_url,
            key_prefix=args.key_prefix,
            user_rate=1e9,
            user_burst=10**9,
            ip_rate=1e9,
            ip_burst=10**9,
            batch=args.batch,
        ),
        metrics=True,
    )
    proxy = GatewayProxy(config)
    await proxy.start("127.0.0.1", args.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"proxy listening on {args.port}", flush=True)
    await stop.wait()
    await proxy.shutdown(timeout=5)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--backend-port", type=int, required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    p.add_argument("--key-prefix", default="erp:bench:")
    p.add_argument("--no-rate-limit", action="store_true")
    p.add_argument("--batch", type=int, default=1, help="rate-limit tokens per Redis round trip")
    p.add_argument("--sched-policy", choices=["batch", "normal"], default="batch",
                   help="CPU policy, as ERP_SCHED_POLICY of `erp serve gateway`")  # fmt: skip
    args = p.parse_args()
    apply_sched_policy(args.sched_policy)
    uvloop.run(main(args))
